using System.Globalization;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using C = DocumentFormat.OpenXml.Drawing.Charts;

namespace FlowForensics.Tests.Reporting;

/// <summary>A generated workbook read back with the Open XML SDK: sheets, cells with their resolved number formats, tables, panes, charts.</summary>
internal sealed class WorkbookReader : IDisposable
{
    private readonly SpreadsheetDocument _doc;
    private readonly string[] _strings;
    private readonly CellFormat[] _xfs;
    private readonly Dictionary<uint, string> _formats;

    public WorkbookReader(string path)
    {
        _doc = SpreadsheetDocument.Open(path, isEditable: false);
        var wb = _doc.WorkbookPart!;
        _strings = wb.SharedStringTablePart?.SharedStringTable.Elements<SharedStringItem>().Select(i => Unescape(i.InnerText)).ToArray() ?? [];
        var styles = wb.WorkbookStylesPart!.Stylesheet;
        _xfs = styles.CellFormats!.Elements<CellFormat>().ToArray();
        _formats = styles.NumberingFormats?.Elements<NumberingFormat>().ToDictionary(f => f.NumberFormatId!.Value, f => f.FormatCode!.Value!) ?? [];
        _formats.TryAdd(3, "#,##0");
        _formats.TryAdd(4, "#,##0.00");
        _formats.TryAdd(10, "0.00%");
        _formats.TryAdd(1, "0");
        _formats.TryAdd(0, "General");
    }

    public IReadOnlyList<string> SheetNames => _doc.WorkbookPart!.Workbook.Sheets!.Elements<Sheet>().Select(s => s.Name!.Value!).ToList();

    public WorksheetPart Part(string sheet)
    {
        var s = _doc.WorkbookPart!.Workbook.Sheets!.Elements<Sheet>().Single(x => x.Name == sheet);
        return (WorksheetPart)_doc.WorkbookPart.GetPartById(s.Id!);
    }

    /// <summary>Every non-empty row as cells keyed by column letters.</summary>
    public List<(uint Row, Dictionary<string, XCell> Cells)> Rows(string sheet)
    {
        var rows = new List<(uint, Dictionary<string, XCell>)>();
        foreach (var row in Part(sheet).Worksheet.GetFirstChild<SheetData>()!.Elements<Row>())
        {
            var cells = new Dictionary<string, XCell>();
            foreach (var c in row.Elements<Cell>())
            {
                string reference = c.CellReference!.Value!;
                string col = new(reference.TakeWhile(char.IsLetter).ToArray());
                cells[col] = ToCell(c);
            }
            rows.Add((row.RowIndex!.Value, cells));
        }
        return rows;
    }

    /// <summary>A table's header and rows, each row a dictionary header → cell.</summary>
    public (Table Table, List<Dictionary<string, XCell>> Rows) Table(string sheet, string? tableName = null)
    {
        var part = Part(sheet);
        var table = part.TableDefinitionParts.Select(t => t.Table).Single(t => tableName is null || t.Name == tableName);
        string[] range = table.Reference!.Value!.Split(':');
        uint first = uint.Parse(new string(range[0].SkipWhile(char.IsLetter).ToArray()), CultureInfo.InvariantCulture);
        uint last = uint.Parse(new string(range[1].SkipWhile(char.IsLetter).ToArray()), CultureInfo.InvariantCulture);
        var headers = table.TableColumns!.Elements<TableColumn>().Select(c => c.Name!.Value!).ToList();
        var all = Rows(sheet).ToDictionary(r => r.Row, r => r.Cells);
        var result = new List<Dictionary<string, XCell>>();
        for (uint r = first + 1; r <= last; r++)
        {
            if (!all.TryGetValue(r, out var cells)) continue;   // the empty data row of an empty table
            var row = new Dictionary<string, XCell>();
            for (int i = 0; i < headers.Count; i++)
            {
                if (cells.TryGetValue(Letters(i), out var cell)) row[headers[i]] = cell;
            }
            result.Add(row);
        }
        return (table, result);
    }

    /// <summary>The raw row element (height, custom height) of a sheet's row.</summary>
    public Row RowElement(string sheet, uint row) =>
        Part(sheet).Worksheet.GetFirstChild<SheetData>()!.Elements<Row>().Single(r => r.RowIndex!.Value == row);

    /// <summary>The cell format (alignment, wrap) of a cell.</summary>
    public CellFormat StyleOf(string sheet, string reference)
    {
        var cell = Part(sheet).Worksheet.Descendants<Cell>().Single(c => c.CellReference == reference);
        return _xfs[(int)(cell.StyleIndex?.Value ?? 0)];
    }

    /// <summary>The text of a sheet-local defined name (e.g. _xlnm.Print_Titles), or null.</summary>
    public string? DefinedName(string name, string sheet)
    {
        int index = SheetNames.ToList().IndexOf(sheet);
        return _doc.WorkbookPart!.Workbook.DefinedNames?.Elements<DefinedName>()
            .SingleOrDefault(d => d.Name == name && d.LocalSheetId?.Value == (uint)index)?.Text;
    }

    public C.ChartSpace? Chart(string sheet) => Part(sheet).DrawingsPart?.ChartParts.SingleOrDefault()?.ChartSpace;

    private XCell ToCell(Cell c)
    {
        string raw = c.CellValue?.Text ?? c.InnerText;
        string format = "General";
        if (c.StyleIndex is { } s && _xfs[s.Value].NumberFormatId is { } id && _formats.TryGetValue(id.Value, out var f)) format = f;
        if (c.DataType?.Value == CellValues.SharedString) return new XCell(_strings[int.Parse(raw, CultureInfo.InvariantCulture)], null, format, "s");
        if (c.DataType?.Value == CellValues.Boolean) return new XCell(raw, null, format, "b");
        return new XCell(raw, double.Parse(raw, CultureInfo.InvariantCulture), format, "n");
    }

    /// <summary>OOXML's _xHHHH_ escapes (ST_Xstring), as Excel reads them.</summary>
    public static string Unescape(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, "_x([0-9A-Fa-f]{4})_", m => ((char)Convert.ToInt32(m.Groups[1].Value, 16)).ToString());

    public static string Letters(int index)
    {
        string s = "";
        index++;
        while (index > 0)
        {
            int rem = (index - 1) % 26;
            s = (char)('A' + rem) + s;
            index = (index - 1) / 26;
        }
        return s;
    }

    public void Dispose() => _doc.Dispose();
}

/// <summary>A cell read back: its text (the shared string or the stored number), the number, its number format code and its type (s, n, b).</summary>
internal sealed record XCell(string Text, double? Number, string Format, string Type)
{
    public DateTime AsDateTime => DateTime.FromOADate(Number!.Value);

    public long AsLong => checked((long)Number!.Value);
}
