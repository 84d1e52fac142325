"""Reference tables shared by every part of the domain."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Timestamped
from app.core.i18n import localized
from app.extensions import db


class Bilingual:
    """Rows named in English and Arabic; `name` answers in the reader's language."""

    name_en: Mapped[str] = mapped_column(String(120))
    name_ar: Mapped[str] = mapped_column(String(120))

    @property
    def name(self) -> str:
        return localized(self.name_en, self.name_ar)

    def __str__(self) -> str:
        return self.name


class Governorate(Bilingual, db.Model):
    __tablename__ = "governorates"
    id: Mapped[int] = mapped_column(primary_key=True)
    iso_code: Mapped[str] = mapped_column(String(8), unique=True)
    pcode: Mapped[str] = mapped_column(String(12), unique=True)
    districts: Mapped[list[District]] = relationship(
        back_populates="governorate", order_by="District.name_en"
    )


class District(Bilingual, db.Model):
    __tablename__ = "districts"
    id: Mapped[int] = mapped_column(primary_key=True)
    governorate_id: Mapped[int] = mapped_column(ForeignKey("governorates.id"), index=True)
    pcode: Mapped[str] = mapped_column(String(12), unique=True)
    governorate: Mapped[Governorate] = relationship(back_populates="districts")


class Camp(Bilingual, Timestamped, db.Model):
    __tablename__ = "camps"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2: SY or IQ
    is_centre: Mapped[bool] = mapped_column(default=False)  # a reception centre in Iraq
    active: Mapped[bool] = mapped_column(default=True)


class Agency(Bilingual, Timestamped, db.Model):
    __tablename__ = "agencies"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # government, un, ngo, commission
    active: Mapped[bool] = mapped_column(default=True)
    teams: Mapped[list[Team]] = relationship(back_populates="agency", order_by="Team.name")


class Team(Timestamped, db.Model):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    agency: Mapped[Agency] = relationship(back_populates="teams")

    def __str__(self) -> str:
        return self.name


class ReturnBatch(Timestamped, db.Model):
    """A convoy of households from a camp to a reception centre."""

    __tablename__ = "return_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    departure_date: Mapped[date] = mapped_column(Date)
    origin_camp_id: Mapped[int] = mapped_column(ForeignKey("camps.id"), index=True)
    destination_camp_id: Mapped[int] = mapped_column(ForeignKey("camps.id"), index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    origin_camp: Mapped[Camp] = relationship(foreign_keys=[origin_camp_id])
    destination_camp: Mapped[Camp] = relationship(foreign_keys=[destination_camp_id])

    def __str__(self) -> str:
        return self.number
