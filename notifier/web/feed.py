"""`/shifts.atom`: the shifts as an Atom feed any feed reader can follow."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from crawler.clock import utcnow
from notifier.reports import support_line

ATOM = "http://www.w3.org/2005/Atom"
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ENTRY_NAMESPACE = uuid.UUID("6f1c1a52-57a8-4cc0-9d47-2f1f3f6ad7b3")


def _xml_text(value: str) -> str:
    """Article text may hold characters XML cannot carry; a feed reader must still parse."""
    return _NOT_XML.sub("", value)


def entry_id(shift: Mapping[str, Any]) -> str:
    """Stable across hosts and restarts, so a reader never shows one shift twice."""
    key = f"{shift['topic']}/{shift['id']}/{shift['detected_at']}"
    return uuid.uuid5(_ENTRY_NAMESPACE, key).urn


def shift_title(shift: Mapping[str, Any], topic_title: str) -> str:
    arrow = f"{shift['from']} → {shift['to']}" if shift["from"] else f"→ {shift['to']}"
    outlets = shift["support"]["outlets"]
    title = f"{topic_title}: {arrow} ({outlets} outlet{'s' if outlets != 1 else ''})"
    if shift["suppressed"]:
        title += f" [suppressed: {shift['suppressed']}]"
    return title


def status_line(status: Mapping[str, Any]) -> str:
    """A topic's reported status as the feed states it: quiet says when support was last seen."""
    text = f"{status['title']}: {status['status']}"
    if status.get("since"):
        text += f" since {status['since']}"
    if status.get("last_support_at"):
        text += f", last support {status['last_support_at']}"
    groups = status.get("groups") or {}
    if groups:  # where Moscow's and Kyiv's press say different things, the reader sees it
        text += " (" + ", ".join(f"{name}: {g['status']}" for name, g in groups.items()) + ")"
    return text


def _summary(shift: Mapping[str, Any]) -> str:
    lines = [
        f"{shift['kind'].replace('_', ' ')} detected {shift['detected_at']}; "
        f"support: {support_line(dict(shift))}."
    ]
    lines += [f"Reason: {reason}" for reason in shift["reasons"]]
    for article in shift["articles"]:
        lines.append(
            f"- {article['title']} ({article['outlet']}, {article['status']}) {article['url']}"
        )
        lines += [f"    “{sentence}”" for sentence in article["evidence"][:2]]
    return "\n".join(lines)


def shifts_atom(
    shifts: Sequence[Mapping[str, Any]],
    *,
    base_url: str,
    topic_titles: Mapping[str, str],
    statuses: Sequence[Mapping[str, Any]] = (),
) -> bytes:
    """Shifts as they are given (newest first, by the caller); text escaped by ElementTree."""
    ET.register_namespace("", ATOM)
    base = base_url.rstrip("/")
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = "peacewatch: coverage shifts"
    if statuses:
        ET.SubElement(feed, f"{{{ATOM}}}subtitle").text = _xml_text(
            "; ".join(status_line(s) for s in statuses)
        )
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"{base}/shifts.atom"
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=f"{base}/shifts.atom")
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=f"{base}/")
    updated = max((datetime.fromisoformat(s["detected_at"]) for s in shifts), default=utcnow())
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = updated.isoformat()
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "peacewatch"
    ET.SubElement(feed, f"{{{ATOM}}}generator").text = "peacewatch"
    for shift in shifts:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        title = shift_title(shift, topic_titles.get(shift["topic"], shift["topic"]))
        ET.SubElement(entry, f"{{{ATOM}}}title").text = _xml_text(title)
        ET.SubElement(entry, f"{{{ATOM}}}id").text = entry_id(shift)
        ET.SubElement(
            entry, f"{{{ATOM}}}link", rel="alternate", href=f"{base}/#shift-{shift['id']}"
        )
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = shift["detected_at"]
        ET.SubElement(entry, f"{{{ATOM}}}published").text = shift["detected_at"]
        ET.SubElement(entry, f"{{{ATOM}}}category", term=shift["kind"])
        ET.SubElement(entry, f"{{{ATOM}}}category", term=shift["to"])
        ET.SubElement(entry, f"{{{ATOM}}}summary", type="text").text = _xml_text(_summary(shift))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
