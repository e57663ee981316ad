"""SMS length in segments: GSM-7 fits 160 characters in one segment (153 when split);
one character outside GSM-7 makes the whole message UCS-2 (70, then 67)."""

from __future__ import annotations

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")
MAX_BODY = 1600


def is_gsm7(text: str) -> bool:
    return all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in text)


def segment_count(text: str) -> int:
    """How many segments a carrier bills for ``text`` (0 for an empty message)."""
    if not text:
        return 0
    if is_gsm7(text):
        units = sum(2 if ch in GSM_EXTENDED else 1 for ch in text)
        return 1 if units <= 160 else -(-units // 153)
    # UCS-2 counts UTF-16 code units: characters beyond the BMP take two.
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else -(-units // 67)


def encoding(text: str) -> str:
    return "GSM-7" if is_gsm7(text) else "UCS-2"
