"""The XML schemas the sandbox XNAT serves at ``/xapi/schemas`` (XNAT 1.7+ ``SchemaApi``).

xnatpy builds its data model from these at connect time (unless ``no_parse_model=True``):
it lists ``/xapi/schemas`` (JSON list of schema names) and reads every
``/xapi/schemas/{name}``. A real XNAT serves its full data-type schemas (``xnat.xsd``
alone is ~180 kB); this is a compact subset written for the sandbox: the types, their
inheritance and the fields of the tree xnatpy walks (project -> subject -> MR session ->
MR scan -> resource catalog -> file), with the real names, namespaces and nesting
(``resources/resource``, ``experiments/experiment``, ``scans/scan``, a scan's resources in
its ``file`` element).

Examples
--------
>>> from neurodata_widgets.sandbox.xnat_schemas import SCHEMAS, schema_text
>>> sorted(SCHEMAS)
['catalog', 'xnat']
>>> schema_text("xnat").count('<xs:complexType name="mrSessionData">')
1
"""
from __future__ import annotations

_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
         '<xs:schema targetNamespace="{ns}" xmlns:{prefix}="{ns}" xmlns:xdat="http://nrg.wustl.edu/xdat" '
         'xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified" '
         'attributeFormDefault="unqualified">\n')


def _ident(field: str) -> str:
    return (f'<xs:annotation><xs:appinfo><xdat:element displayIdentifiers="{field}"/></xs:appinfo>'
            '</xs:annotation>')


def _many(wrapper: str, item: str, type_: str) -> str:
    """A wrapper element holding any number of ``item`` elements (XNAT's ``resources/resource``)."""
    return (f'<xs:element name="{wrapper}" minOccurs="0"><xs:complexType><xs:sequence minOccurs="0">'
            f'<xs:element name="{item}" type="{type_}" minOccurs="0" maxOccurs="unbounded"/>'
            '</xs:sequence></xs:complexType></xs:element>')


def _strings(*names: str) -> str:
    return "".join(f'<xs:element name="{n}" type="xs:string" minOccurs="0"/>' for n in names)


def _attrs(*names: str, required: str = "") -> str:
    use = ' use="required"'
    return "".join(f'<xs:attribute name="{n}" type="xs:string"{use if n == required else ""}/>' for n in names)


def _extends(name: str, base: str, body: str = "", attrs: str = "", ident: str = "") -> str:
    return (f'<xs:complexType name="{name}">{_ident(ident) if ident else ""}<xs:complexContent>'
            f'<xs:extension base="{base}"><xs:sequence>{body}</xs:sequence>{attrs}</xs:extension>'
            '</xs:complexContent></xs:complexType>\n')


_XNAT = (
    _HEAD.format(ns="http://nrg.wustl.edu/xnat", prefix="xnat")
    + '<xs:element name="Project" type="xnat:projectData"/>\n'
    + '<xs:element name="Subject" type="xnat:subjectData"/>\n'
    + '<xs:element name="MRSession" type="xnat:mrSessionData"/>\n'
    + '<xs:element name="MRScan" type="xnat:mrScanData"/>\n'
    + '<xs:element name="ResourceCatalog" type="xnat:resourceCatalog"/>\n'
    # projectData: ID is the key; name/description are elements; project resources
    + '<xs:complexType name="projectData"><xs:sequence>' + _strings("name", "type", "description", "keywords")
    + _many("resources", "resource", "xnat:abstractResource")
    + '</xs:sequence>' + _attrs("ID", "secondary_ID", required="ID") + '</xs:complexType>\n'
    # subjectData: label is the display identifier, experiments are subjectAssessorData
    + '<xs:complexType name="subjectData">' + _ident("label") + '<xs:sequence>'
    + _many("resources", "resource", "xnat:abstractResource")
    + _many("experiments", "experiment", "xnat:subjectAssessorData")
    + '</xs:sequence>' + _attrs("ID", "project", "label", "group", "src", required="ID") + '</xs:complexType>\n'
    # experimentData: the abstract root of every session and assessor
    + '<xs:complexType name="experimentData">' + _ident("label") + '<xs:sequence>'
    + '<xs:element name="date" type="xs:date" minOccurs="0"/><xs:element name="time" type="xs:time" minOccurs="0"/>'
    + _strings("note", "visit_id", "version", "original")
    + _many("resources", "resource", "xnat:abstractResource")
    + '</xs:sequence>' + _attrs("ID", "project", "label", "version", required="ID") + '</xs:complexType>\n'
    + _extends("subjectAssessorData", "xnat:experimentData", _strings("subject_ID"))
    + _extends("imageSessionData", "xnat:subjectAssessorData",
               _strings("scanner", "operator", "prearchivePath", "UID", "modality")
               + _many("scans", "scan", "xnat:imageScanData"))
    + _extends("mrSessionData", "xnat:imageSessionData", _strings("coil", "fieldStrength", "marker"))
    # imageScanData: scan resources live in its "file" element (maxOccurs unbounded), as in XNAT
    + '<xs:complexType name="imageScanData">' + _ident("ID") + '<xs:sequence>'
    + '<xs:element name="file" type="xnat:abstractResource" minOccurs="0" maxOccurs="unbounded"/>'
    + _strings("quality", "condition", "series_description", "documentation", "scanner", "modality",
               "frames", "note", "series_class", "UID")
    + '</xs:sequence>' + _attrs("ID", "type", "UID", "project", "image_session_ID", required="ID")
    + '</xs:complexType>\n'
    + _extends("mrScanData", "xnat:imageScanData", _strings("coil", "fieldStrength", "marker"))
    # resources: abstractResource -> resource (URI/format/content) -> resourceCatalog
    + '<xs:complexType name="abstractResource">' + _ident("label") + '<xs:sequence>' + _strings("note")
    + '</xs:sequence>' + _attrs("label", "file_count", "file_size") + '</xs:complexType>\n'
    + _extends("resource", "xnat:abstractResource", attrs=_attrs("URI", "format", "description", "content",
                                                                   "cachePath"))
    + _extends("resourceCatalog", "xnat:resource")
    + '</xs:schema>\n'
)

_CATALOG = (
    _HEAD.format(ns="http://nrg.wustl.edu/catalog", prefix="cat")
    + '<xs:element name="Catalog" type="cat:catalog"/>\n'
    + '<xs:complexType name="entry"><xs:sequence/>'
    + _attrs("URI", "name", "ID", "digest", "format", "content", "description", "cachePath")
    + '</xs:complexType>\n'
    + '<xs:complexType name="catalog"><xs:sequence>' + _many("entries", "entry", "cat:entry")
    + '</xs:sequence>' + _attrs("ID", "name", "description") + '</xs:complexType>\n'
    + '</xs:schema>\n'
)

SCHEMAS = {"xnat": _XNAT, "catalog": _CATALOG}


def schema_text(name: str) -> str | None:
    """The XSD of schema ``name`` (``xnat`` or ``xnat/xnat.xsd`` style), else ``None``."""
    key = name.strip("/").removesuffix(".xsd").split("/")[-1]
    return SCHEMAS.get(key)
