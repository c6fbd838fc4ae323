from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base


class PageGeneration(Base):
    """One row (id 1): how many committed write transactions could have changed a page."""

    __tablename__ = "page_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
