"""Tasks with due dates on a household: appointments, follow-up visits."""
