from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base


class PageGeneration(Base):
    """Rows 1..STRIPES (portal/pagecache/generation.py): their SUM is how many committed write
    transactions could have changed a page; each such transaction added one to one row."""

    __tablename__ = "page_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
