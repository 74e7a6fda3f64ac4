"""SuperOffice's documented names that ``provisioning.json`` is checked against.

From SuperOffice's published OpenAPI documents (the REST WebAPI's ``WebPanelEntity``,
``UserDefinedFieldInfo`` and ``v1Preference`` operations), as the project keeps them in
``local/simulator/contract/rest.json``; a unit test compares the two, so a new release of
SuperOffice's documents that changes a name shows up there. Kept here because the layer
is deployed without ``local/``.

SuperOffice ignores a property it does not know silently and refuses an enum value it
does not know: either way the app would not get what the partner meant, so
``load_spec`` refuses both at cold start, naming the documented alternatives.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "PREFERENCE_LEVELS",
    "RENAMED_FIELD_TYPES",
    "RENAMED_PREFERENCE_LEVELS",
    "UDEF_FIELD_PROPERTIES",
    "UDEF_FIELD_TYPES",
    "WEB_PANEL_PROPERTIES",
    "WEB_PANEL_VISIBLE_IN",
    "canonical_preference_level",
]

# UserDefinedFieldInfo.FieldType (and AddUdefField's udefFieldType).
UDEF_FIELD_TYPES: Final = (
    "Number",
    "ShortText",
    "LongText",
    "Date",
    "UnlimitedDate",
    "Checkbox",
    "List",
    "Decimal",
)
# The path parameter prefLevel of v1Preference_GetPrefValueAtLevel/SetPrefValueAtLevel and
# the Preference agent's PrefLevel ("Undefined" is what the agent answers for "not set").
PREFERENCE_LEVELS: Final = (
    "Undefined",
    "HardDefault",
    "SystemWide",
    "Database",
    "Group",
    "Individual",
    "PC",
)
# Names this project once wrote that SuperOffice does not document, with the documented
# name that means the same. A spec using them is refused (naming the replacement); a
# record of an item provisioned under an old name is still read (uninstall).
RENAMED_FIELD_TYPES: Final = {"Text": "ShortText"}
RENAMED_PREFERENCE_LEVELS: Final = {"PCSpecific": "PC"}
# The properties of a WebPanelEntity (POST/PUT v1/List/WebPanel/Items): there is no
# Description; the app names itself in Tooltip.
WEB_PANEL_PROPERTIES: Final = frozenset(
    (
        "AlwaysReloadOnShow",
        "Deleted",
        "FieldProperties",
        "Icon",
        "Name",
        "NeverReloadOnCurrentChange",
        "OnCentral",
        "OnSalesMarketingPocket",
        "OnSalesMarketingWeb",
        "OnSatellite",
        "OnTravel",
        "ProgId",
        "Rank",
        "ShowInAddressBar",
        "ShowInMenuBar",
        "ShowInStatusBar",
        "ShowInToolBar",
        "TableRight",
        "Tooltip",
        "Url",
        "UrlEncoding",
        "VisibleIn",
        "WebPanelId",
        "WindowName",
    )
)
WEB_PANEL_VISIBLE_IN: Final = (
    "Invisible",
    "ToolboxMenu",
    "NavigatorButton",
    "ViewMenu",
    "SelectionTaskCard",
    "ContactCard",
    "ContactArchive",
    "ProjectCard",
    "ProjectArchive",
    "SaleCard",
    "PersonCard",
    "ActivityDialog",
    "DocumentDialog",
    "BrowserPanel",
    "ContSelectionTask",
    "AppntSelectionTask",
    "SaleSelectionTask",
    "DocSelectionTask",
    "ProjSelectionTask",
    "CompanyMinicard",
    "ProjectMinicard",
    "DiaryMinicard",
    "SelectionMinicard",
    "ButtonPanelTask",
    "AppointmentDialogTask",
    "SaleDialogTask",
    "DocumentDialogTask",
    "PersonDialogTask",
    "SaleMinicard",
    "SaleArchive",
    "AppntSelectionShadowTask",
    "SaleSelectionShadowTask",
    "DocSelectionShadowTask",
    "ProjSelectionShadowTask",
    "DiaryArchive",
    "SelectionContactArchive",
    "SelectionProjectArchive",
    "SelectionSaleArchive",
    "SelectionAppointmentArchive",
    "SelectionDocumentArchive",
    "ContSelectionCustomTask",
    "AppntSelectionCustomTask",
    "SaleSelectionCustomTask",
    "DocSelectionCustomTask",
    "ProjSelectionCustomTask",
    "CustomArchiveMiniCard",
    "SelectionCard",
    "ReportMinicard",
    "QuoteDialog",
    "QuoteDialogTask",
    "QuoteDialogArchive",
    "QuoteLineDialogTask",
    "QuoteLineDialog",
    "QuoteLineSelectionMainTask",
    "QuoteLineSelectionShadowTask",
    "SelectionQuoteLineArchive",
    "QuoteLineSelectionCustomTask",
    "FindSystem",
    "MailingSelectionTask",
    "ContactSelectionMailingsTask",
    "AppointmentSelectionMailingsTask",
    "SaleSelectionMailingsTask",
    "DocumentSelectionMailingsTask",
    "ProjectSelectionMailingsTask",
    "QuoteLineSelectionMailingsTask",
    "TopPanelNewMenu",
    "Dashboard",
    "PersonArchive",
    "PersonMinicard",
    "CompanyCardTask",
    "ProjectCardTask",
    "TicketCard",
    "TicketMinicard",
)
# The properties of a UserDefinedFieldInfo (the entries of v1{Entity}/UdefLayout).
UDEF_FIELD_PROPERTIES: Final = frozenset(
    (
        "ColumnId",
        "FieldDefault",
        "FieldHeight",
        "FieldLabel",
        "FieldLeft",
        "FieldProperties",
        "FieldTop",
        "FieldType",
        "FieldWidth",
        "FormatMask",
        "HasBeenPublished",
        "HideLabel",
        "IsIndexed",
        "IsMandatory",
        "IsReadOnly",
        "Justification",
        "LabelHeight",
        "LabelLeft",
        "LabelTop",
        "LabelWidth",
        "LastVersionId",
        "ListTableId",
        "MdoListName",
        "Page1LineNo",
        "ProgId",
        "ShortLabel",
        "TabOrder",
        "TableRight",
        "TemplateVariableName",
        "TextLength",
        "Tooltip",
        "Type",
        "UDListDefinitionId",
        "UDefFieldId",
        "UdefIdentity",
        "Version",
    )
)


def canonical_preference_level(level: str) -> str | None:
    """``level`` as SuperOffice documents it (any case, old names read); None if unknown."""
    renamed = {old.lower(): new for old, new in RENAMED_PREFERENCE_LEVELS.items()}
    for name in PREFERENCE_LEVELS:
        if name.lower() == level.lower():
            return name
    return renamed.get(level.lower())
