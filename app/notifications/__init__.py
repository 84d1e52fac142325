"""In-app notifications: what happened that a user should act on or know of (a referral
received or answered, an approval asked or decided, a hand-over asked or answered, a task due,
a transfer list imported, new screening alerts), listed newest first with an unread count in the
menu.

A notification stores no text: only its kind, the household it is about (if any) and the record
it points to. Its message is composed when it is read, from the kind and the case number (never
a name, a reason or a note), and it is shown only while the access policy still lets the reader
see what it is about (`app.notifications.services.visible`)."""
