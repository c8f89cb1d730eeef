using System.Globalization;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using FlowForensics.Files;
using A = DocumentFormat.OpenXml.Drawing;
using C = DocumentFormat.OpenXml.Drawing.Charts;
using Xdr = DocumentFormat.OpenXml.Drawing.Spreadsheet;

namespace FlowForensics.Reporting;

/// <summary>
/// Writes a <see cref="FlowReportWorkbook"/> as an .xlsx workbook with the Open XML SDK: a Summary sheet (the case's
/// figures, the sheets and what each holds, the evidence files with SHA-256), then one sheet per table. Every table
/// is a real Excel table (a table part with autofilter and banded rows) under a frozen, styled header row; numbers,
/// dates and durations are typed cells with number formats; the Traffic sheet carries a line chart. Sheet data is
/// streamed (OpenXmlWriter), so a sheet's rows are not held twice.
/// </summary>
public static class ExcelWorkbookWriter
{
    /// <summary>First characters that make a spreadsheet read text as a formula (OWASP's CSV-injection list).</summary>
    public static readonly char[] FormulaTriggers = ['=', '+', '-', '@', '\t', '\r'];

    /// <summary>Number format of date-time cells (milliseconds, as flow times carry them).</summary>
    public const string DateTimeFormat = "yyyy-mm-dd hh:mm:ss.000";

    /// <summary>Number format of duration cells (hours go past 24; milliseconds shown, so a sub-second flow is not 0:00:00).</summary>
    public const string TimeSpanFormat = "[h]:mm:ss.000";

    /// <summary>The table style (Excel's built-in medium blue).</summary>
    public const string TableStyle = "TableStyleMedium2";

    // cellXfs indices (see BuildStylesheet)
    internal const uint StyleDefault = 0, StyleHeader = 1, StyleInteger = 2, StyleCount = 3, StyleDecimal = 4, StylePercent = 5,
        StyleDateTime = 6, StyleTimeSpan = 7, StyleTitle = 8, StyleSection = 9, StyleLabel = 10, StyleCountLeft = 11, StyleTimeSpanLeft = 12, StyleText = 13,
        StyleHeaderRight = 14, StyleWrap = 15, StyleNote = 16;

    private const uint FormatDateTimeId = 164, FormatTimeSpanId = 165;
    private const int WidthSampleRows = 500;
    private const double MaxColumnWidth = 72, MinColumnWidth = 6;

    /// <summary>Width (characters) of a text column whose text is longer: it wraps at this width and its rows grow.</summary>
    public const double WrapWidth = 60;

    /// <summary>Height in points of one line of 11-point text (Excel's default row height).</summary>
    public const double LineHeight = 15;

    /// <summary>Evidence files listed on the summary at most; every file is on the Evidence sheet.</summary>
    public const int SummaryEvidenceLimit = 20;

    // the summary's three columns: labels, values and descriptions (wrapped), counts
    private static readonly double[] SummaryWidths = [30, 70, 14];

    /// <summary>The lines under the summary's title: how times and formula-like text are written.</summary>
    public static IReadOnlyList<string> Notes { get; } =
    [
        "All times are UTC; durations are hours:minutes:seconds.milliseconds; bytes and packets count both directions.",
        "A sheet wider than a landscape page prints its leading columns (a finding's kind, host, score, times and reason); every column is in the sheet.",
        $"Cell text that begins with {string.Join(' ', FormulaTriggers.Select(static c => c switch { '\t' => "tab", '\r' => "CR", _ => c.ToString() }))} is stored with an apostrophe (') in front, so no spreadsheet runs it as a formula.",
    ];

    /// <summary>Text as the workbook stores it: formula triggers get a leading apostrophe, characters XML cannot hold become U+FFFD, over-long text is cut.</summary>
    public static string NeutraliseText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > 0 && Array.IndexOf(FormulaTriggers, text[0]) >= 0) text = "'" + text;
        if (text.Length > ExcelLimits.MaxCellText) text = string.Concat(text.AsSpan(0, ExcelLimits.MaxCellText - 1), "…");
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            bool ok = c >= 0x20 ? !char.IsSurrogate(c) || (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                                  || (char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(text[i - 1]))
                : c is '\t' or '\n' or '\r';
            if (c is '\uFFFE' or '\uFFFF') ok = false;
            if (ok)
            {
                sb?.Append(c);
                continue;
            }
            sb ??= new StringBuilder(text, 0, i, text.Length);
            sb.Append('\uFFFD');
        }
        return sb?.ToString() ?? text;
    }

    /// <summary>
    /// Writes <paramref name="workbook"/> to a temporary file beside <paramref name="path"/> and renames it into place
    /// (<see cref="AtomicFile"/>); a failed or cancelled write leaves no temporary file and the previous workbook as it was.
    /// </summary>
    /// <exception cref="IOException"><paramref name="path"/> exists and <paramref name="overwrite"/> is false, or writing failed.</exception>
    public static void Save(FlowReportWorkbook workbook, string path, bool overwrite, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(workbook);
        AtomicFile.Write(path, overwrite, stream => Write(workbook, stream, cancel), cancel, static full => new IOException($"{full} exists."));
    }

    /// <summary>Writes the workbook to a seekable, writable stream.</summary>
    public static void Write(FlowReportWorkbook workbook, Stream stream, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(workbook);
        ArgumentNullException.ThrowIfNull(stream);
        using var doc = SpreadsheetDocument.Create(stream, SpreadsheetDocumentType.Workbook);
        doc.PackageProperties.Creator = $"FlowForensics {FlowReport.ModuleVersion}";
        doc.PackageProperties.Title = "FlowForensics report";
        doc.PackageProperties.Created = DateTime.UtcNow;
        var wbPart = doc.AddWorkbookPart();
        wbPart.Workbook = new Workbook();
        var stylesPart = wbPart.AddNewPart<WorkbookStylesPart>();
        stylesPart.Stylesheet = BuildStylesheet();
        var strings = new SharedStrings();
        var sheets = new Sheets();
        var names = new NameSet(ExcelLimits.MaxSheetName);
        var tableNames = new NameSet(250);
        uint tableId = 1, sheetId = 1;

        // Summary
        {
            var part = wbPart.AddNewPart<WorksheetPart>();
            string name = names.Take("Summary");
            WriteSummary(part, workbook, strings, tableNames, ref tableId, cancel);
            sheets.Append(new Sheet { Name = name, SheetId = sheetId++, Id = wbPart.GetIdOfPart(part) });
        }
        // every table sheet prints its header row at the top of each page
        var printTitles = new DefinedNames();
        foreach (var table in workbook.Sheets)
        {
            cancel.ThrowIfCancellationRequested();
            var part = wbPart.AddNewPart<WorksheetPart>();
            string name = names.Take(SheetName(table.Name));
            string quoted = "'" + name.Replace("'", "''", StringComparison.Ordinal) + "'";
            var layout = Layout(table);
            int printed = PrintedColumns(layout.Widths);
            if (printed < layout.Widths.Length)
                printTitles.Append(new DefinedName($"{quoted}!$A:${ColumnLetters(printed - 1)}") { Name = "_xlnm.Print_Area", LocalSheetId = sheetId - 1 });
            printTitles.Append(new DefinedName($"{quoted}!$1:$1") { Name = "_xlnm.Print_Titles", LocalSheetId = sheetId - 1 });
            bool chart = ReferenceEquals(table, workbook.Traffic) && table.Rows.Count > 0;
            WriteTableSheet(part, name, table, layout, strings, tableNames.Take(TableName(table.Name)), tableId++, chart ? workbook.ChartTitle : null, cancel);
            sheets.Append(new Sheet { Name = name, SheetId = sheetId++, Id = wbPart.GetIdOfPart(part) });
        }
        wbPart.Workbook.Append(new BookViews(new WorkbookView { ActiveTab = 0 }), sheets, printTitles);
        var sstPart = wbPart.AddNewPart<SharedStringTablePart>();
        strings.WriteTo(sstPart);
        wbPart.Workbook.Save();
    }

    private static void WriteSummary(WorksheetPart part, FlowReportWorkbook wb, SharedStrings strings, NameSet tableNames, ref uint tableId, CancellationToken cancel)
    {
        var summary = new ReportTable("Summary", [new("Item", ReportColumnKind.Text), new("Value", ReportColumnKind.Text)], int.MaxValue);
        foreach (var (label, value) in wb.Summary) summary.Add([label, value]);
        var sheetsTable = new ReportTable("Sheets", [new("Sheet", ReportColumnKind.Text), new("Contents", ReportColumnKind.Text), new("Rows", ReportColumnKind.Count)], int.MaxValue);
        foreach (var t in wb.Sheets) sheetsTable.Add([t.Name, SheetContents(t), (long)t.Rows.Count]);
        var files = new ReportTable("Evidence files", [new("File", ReportColumnKind.Text), new("Sha256", ReportColumnKind.Text), new("Flows", ReportColumnKind.Count)], int.MaxValue);
        int path = ColumnIndex(wb.Evidence, "Path"), sha = ColumnIndex(wb.Evidence, "Sha256"), flows = ColumnIndex(wb.Evidence, "Flows");
        foreach (var e in wb.Evidence.Rows.Take(SummaryEvidenceLimit)) files.Add([e[path], e[sha], e[flows]]);

        // the three blocks share the columns; each wraps its long text: values, sheet contents, file paths
        var blocks = new List<(string Title, ReportTable Table, int LabelColumn, SheetLayout Layout)>
        {
            ("Summary", summary, 0, new SheetLayout(SummaryWidths, [false, true, false])),
            ("Sheets in this workbook", sheetsTable, -1, new SheetLayout(SummaryWidths, [false, true, false])),
            ("Evidence files", files, -1, new SheetLayout(SummaryWidths, [true, false, false])),
        };
        var tables = new List<(string Ref, ReportTable Table, string Name)>();
        var layout = blocks[0].Layout;
        using var w = OpenXmlWriter.Create(part);
        w.WriteStartElement(new Worksheet());
        w.WriteElement(PageProperties());
        w.WriteElement(ColumnsOf(layout.Widths));
        w.WriteStartElement(new SheetData());
        uint row = 1;
        var merges = new List<string>();
        string lastColumn = ColumnLetters(layout.Widths.Length - 1);
        WriteTextRow(w, strings, row++, "FlowForensics report", StyleTitle);
        foreach (string note in Notes)
        {
            merges.Add($"A{row}:{lastColumn}{row}");   // a note spans the page's width and wraps there
            WriteTextRow(w, strings, row++, note, StyleNote, layout.Widths.Sum() - 2);
        }
        row++;
        foreach (var (title, table, label, blockLayout) in blocks)
        {
            cancel.ThrowIfCancellationRequested();
            WriteTextRow(w, strings, row++, title, StyleSection);
            uint top = row;
            WriteHeader(w, strings, row++, table.Columns, blockLayout);
            foreach (var values in table.Rows) WriteRow(w, strings, row++, table.Columns, values, label, blockLayout);
            if (table.Rows.Count == 0) row++;   // a table needs a data row, even an empty one
            tables.Add(($"A{top}:{ColumnLetters(table.Columns.Count - 1)}{row - 1}", table, TableName(table.Name)));
            if (table == files && wb.Evidence.Rows.Count > files.Rows.Count)
            {
                merges.Add($"A{row}:{lastColumn}{row}");
                WriteTextRow(w, strings, row++, $"… and {wb.Evidence.Rows.Count - files.Rows.Count:N0} more files: every evidence file is on the Evidence sheet.", StyleNote);
            }
            row++;
        }
        w.WriteEndElement();   // sheetData
        WriteTail(w, part, tables.Select(t => (t.Ref, t.Table, tableNames.Take(t.Name))).ToList(), ref tableId, drawingId: null, onePage: true, merges);
        w.WriteEndElement();   // worksheet
        w.Close();
    }

    /// <summary>What a sheet holds, for the summary: its note, and how many rows were left out when it is full.</summary>
    private static string SheetContents(ReportTable t) =>
        (t.Note ?? "") + (t.IsTruncated ? $" ({t.Rows.Count:N0} of {t.OfferedRows:N0} rows; {t.OfferedRows - t.Rows.Count:N0} left out)" : "");

    private static int ColumnIndex(ReportTable table, string name)
    {
        for (int i = 0; i < table.Columns.Count; i++)
            if (table.Columns[i].Name == name) return i;
        throw new ArgumentException($"The {table.Name} table has no {name} column.", nameof(name));
    }

    private static void WriteTableSheet(WorksheetPart part, string sheetName, ReportTable table, SheetLayout layout, SharedStrings strings, string tableName, uint tableId,
        string? chartTitle, CancellationToken cancel)
    {
        string? drawingId = null;
        if (chartTitle is not null) drawingId = AddChart(part, sheetName, table, chartTitle);
        using var w = OpenXmlWriter.Create(part);
        w.WriteStartElement(new Worksheet());
        w.WriteElement(PageProperties());
        w.WriteElement(new SheetViews(new SheetView(
            new Pane { VerticalSplit = 1, TopLeftCell = "A2", ActivePane = PaneValues.BottomLeft, State = PaneStateValues.Frozen },
            new Selection { Pane = PaneValues.BottomLeft, ActiveCell = "A2", SequenceOfReferences = new ListValue<StringValue> { InnerText = "A2" } })
        { WorkbookViewId = 0U, TabSelected = false }));
        w.WriteElement(ColumnsOf(layout.Widths));
        w.WriteStartElement(new SheetData());
        uint row = 1;
        WriteHeader(w, strings, row++, table.Columns, layout);
        int n = 0;
        foreach (var values in table.Rows)
        {
            if ((++n & 4095) == 0) cancel.ThrowIfCancellationRequested();
            WriteRow(w, strings, row++, table.Columns, values, -1, layout);
        }
        if (table.Rows.Count == 0) row++;
        w.WriteEndElement();
        uint id = tableId;
        WriteTail(w, part, [($"A1:{ColumnLetters(table.Columns.Count - 1)}{row - 1}", table, tableName)], ref id, drawingId, onePage: false);
        w.WriteEndElement();
        w.Close();
    }

    /// <summary>
    /// Page setup, drawing, table parts: the elements after sheetData, in schema order. Table sheets print landscape,
    /// one page wide, as many tall as they need (the header row repeats: see the print titles); the summary prints
    /// portrait on one page.
    /// </summary>
    private static void WriteTail(OpenXmlWriter w, WorksheetPart part, List<(string Ref, ReportTable Table, string Name)> tables, ref uint tableId, string? drawingId, bool onePage,
        IReadOnlyList<string>? merges = null)
    {
        if (merges is { Count: > 0 })
        {
            var mergeCells = new MergeCells { Count = (uint)merges.Count };
            foreach (string m in merges) mergeCells.Append(new MergeCell { Reference = m });
            w.WriteElement(mergeCells);
        }
        w.WriteElement(new PageMargins { Left = 0.4, Right = 0.4, Top = 0.5, Bottom = 0.5, Header = 0.3, Footer = 0.3 });
        w.WriteElement(new PageSetup
        {
            Orientation = onePage ? OrientationValues.Portrait : OrientationValues.Landscape, PaperSize = 9U, FitToWidth = 1U, FitToHeight = onePage ? 1U : 0U,
        });
        w.WriteElement(new HeaderFooter(new OddFooter("&L&A&RPage &P of &N")));
        if (drawingId is not null) w.WriteElement(new Drawing { Id = drawingId });
        if (tables.Count == 0) return;
        var parts = new TableParts { Count = (uint)tables.Count };
        foreach (var (reference, table, name) in tables)
        {
            var tp = part.AddNewPart<TableDefinitionPart>();
            var columns = new TableColumns { Count = (uint)table.Columns.Count };
            uint cid = 1;
            foreach (string header in HeaderTexts(table.Columns)) columns.Append(new TableColumn { Id = cid++, Name = header });
            tp.Table = new Table(new AutoFilter { Reference = reference }, columns,
                new TableStyleInfo { Name = TableStyle, ShowFirstColumn = false, ShowLastColumn = false, ShowRowStripes = true, ShowColumnStripes = false })
            {
                Id = tableId++, Name = name, DisplayName = name, Reference = reference, TotalsRowShown = false, HeaderRowCount = 1U,
            };
            tp.Table.Save();
            parts.Append(new TablePart { Id = part.GetIdOfPart(tp) });
        }
        w.WriteElement(parts);
    }

    private static SheetProperties PageProperties() => new(new PageSetupProperties { FitToPage = true });

    /// <summary>A line of text in column A; with <paramref name="wrapWidth"/>, it wraps across that many characters (a merged row).</summary>
    private static void WriteTextRow(OpenXmlWriter w, SharedStrings strings, uint row, string text, uint style, double wrapWidth = 0)
    {
        var r = new Row { RowIndex = row };
        if (wrapWidth > 0 && WrappedLines(text, wrapWidth) is > 1 and int lines)
        {
            r.Height = lines * LineHeight;
            r.CustomHeight = true;
        }
        w.WriteStartElement(r);
        w.WriteElement(new Cell { CellReference = $"A{row}", DataType = CellValues.SharedString, StyleIndex = style, CellValue = new CellValue(strings.Index(text)) });
        w.WriteEndElement();
    }

    /// <summary>The header row: friendly names (<see cref="ReportHeaders"/>), wrapped in bold over the column, right-aligned over numbers.</summary>
    private static void WriteHeader(OpenXmlWriter w, SharedStrings strings, uint row, IReadOnlyList<ReportColumn> columns, SheetLayout layout)
    {
        var headers = HeaderTexts(columns);
        int lines = 1;
        for (int c = 0; c < headers.Count; c++) lines = Math.Max(lines, WrappedLines(headers[c], layout.Widths[c] - 2));
        var r = new Row { RowIndex = row };
        if (lines > 1)
        {
            r.Height = lines * LineHeight;
            r.CustomHeight = true;
        }
        w.WriteStartElement(r);
        for (int c = 0; c < columns.Count; c++)
            w.WriteElement(new Cell { CellReference = ColumnLetters(c) + row, DataType = CellValues.SharedString, StyleIndex = IsNumeric(columns[c].Kind) ? StyleHeaderRight : StyleHeader, CellValue = new CellValue(strings.Index(headers[c])) });
        w.WriteEndElement();
    }

    private static bool IsNumeric(ReportColumnKind kind) =>
        kind is ReportColumnKind.Integer or ReportColumnKind.Count or ReportColumnKind.Decimal or ReportColumnKind.Percent or ReportColumnKind.TimeSpan;

    /// <summary>The header text of each column: friendly, unique within the table (a table's column names must be).</summary>
    internal static List<string> HeaderTexts(IReadOnlyList<ReportColumn> columns)
    {
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var headers = new List<string>(columns.Count);
        foreach (var c in columns)
        {
            string text = HeaderText(ReportHeaders.Friendly(c.Name));
            if (text.Length == 0) text = "Column";
            string unique = text;
            for (int i = 2; !taken.Add(unique); i++) unique = $"{text} ({i})";
            headers.Add(unique);
        }
        return headers;
    }

    /// <summary>
    /// One data row; <paramref name="labelColumn"/> gets the bold label style (the summary's first column). Text in a
    /// wrapped column wraps, and the row is made as tall as its longest wrapped text.
    /// </summary>
    private static void WriteRow(OpenXmlWriter w, SharedStrings strings, uint row, IReadOnlyList<ReportColumn> columns, object?[] values, int labelColumn, SheetLayout layout)
    {
        int lines = 1;
        for (int c = 0; c < columns.Count; c++)
        {
            if (layout.Wrap[c] && values[c] is string s) lines = Math.Max(lines, WrappedLines(s, layout.Widths[c] - 2));
        }
        var r = new Row { RowIndex = row };
        if (lines > 1)
        {
            r.Height = Math.Min(lines, MaxRowLines) * LineHeight;
            r.CustomHeight = true;
        }
        w.WriteStartElement(r);
        for (int c = 0; c < columns.Count; c++)
        {
            object? v = values[c];
            if (v is null) continue;
            string reference = ColumnLetters(c) + row;
            if (labelColumn >= 0 && c > labelColumn && v is long or ulong or TimeSpan)
            {
                w.WriteElement(new Cell
                {
                    CellReference = reference, StyleIndex = v is TimeSpan ? StyleTimeSpanLeft : StyleCountLeft,
                    CellValue = new CellValue(v is TimeSpan ts ? ts.TotalDays.ToString("R", CultureInfo.InvariantCulture) : Convert.ToString(v, CultureInfo.InvariantCulture)!),
                });
                continue;
            }
            var kind = columns[c].Kind;
            uint textStyle = c == labelColumn ? StyleLabel : layout.Wrap[c] ? StyleWrap : StyleText;
            Cell cell = v switch
            {
                string s => new Cell { DataType = CellValues.SharedString, CellValue = new CellValue(strings.Index(NeutraliseText(s))), StyleIndex = textStyle },
                bool b => new Cell { DataType = CellValues.Boolean, CellValue = new CellValue(b ? "1" : "0"), StyleIndex = StyleDefault },
                DateTime d when d < ExcelFirstDate => new Cell { DataType = CellValues.SharedString, CellValue = new CellValue(strings.Index(d.ToString("o", CultureInfo.InvariantCulture))), StyleIndex = StyleText },
                DateTime d => new Cell { CellValue = new CellValue(d.ToOADate().ToString("R", CultureInfo.InvariantCulture)), StyleIndex = StyleDateTime },
                TimeSpan t => new Cell { CellValue = new CellValue(t.TotalDays.ToString("R", CultureInfo.InvariantCulture)), StyleIndex = StyleTimeSpan },
                long l => new Cell { CellValue = new CellValue(l.ToString(CultureInfo.InvariantCulture)), StyleIndex = kind == ReportColumnKind.Integer ? StyleInteger : StyleCount },
                ulong u => new Cell { CellValue = new CellValue(u.ToString(CultureInfo.InvariantCulture)), StyleIndex = kind == ReportColumnKind.Integer ? StyleInteger : StyleCount },
                double d => new Cell
                {
                    CellValue = new CellValue((kind == ReportColumnKind.Percent ? d / 100 : d).ToString("R", CultureInfo.InvariantCulture)),
                    StyleIndex = kind == ReportColumnKind.Percent ? StylePercent : StyleDecimal,
                },
                _ => new Cell { DataType = CellValues.SharedString, StyleIndex = textStyle, CellValue = new CellValue(strings.Index(NeutraliseText(Convert.ToString(v, CultureInfo.InvariantCulture) ?? ""))) },
            };
            if (cell.DataType is null && v is double dd && (double.IsNaN(dd) || double.IsInfinity(dd)))
                cell = new Cell { DataType = CellValues.SharedString, CellValue = new CellValue(strings.Index(dd.ToString(CultureInfo.InvariantCulture))), StyleIndex = StyleText };
            cell.CellReference = reference;
            w.WriteElement(cell);
        }
        w.WriteEndElement();
    }

    /// <summary>
    /// Width in characters that a landscape page shows at a readable size (about 80 %); a wider sheet prints its
    /// leading columns (findings lead with host, score, times and reason), and every column stays in the sheet.
    /// </summary>
    public const double PrintWidth = 200;

    /// <summary>How many leading columns fit <see cref="PrintWidth"/> (at least one).</summary>
    internal static int PrintedColumns(double[] widths)
    {
        double used = 0;
        for (int i = 0; i < widths.Length; i++)
        {
            used += widths[i];
            if (used > PrintWidth) return Math.Max(1, i);
        }
        return widths.Length;
    }

    /// <summary>Lines of a wrapped row at most (409 points is Excel's highest row).</summary>
    private const int MaxRowLines = 27;

    /// <summary>Column widths and which columns wrap, for one sheet.</summary>
    internal sealed record SheetLayout(double[] Widths, bool[] Wrap);

    /// <summary>
    /// Widths in characters from the header's words and the first rows' display text, within 6..72; a text column whose
    /// text is longer than <see cref="WrapWidth"/> wraps at that width instead.
    /// </summary>
    internal static SheetLayout Layout(ReportTable table)
    {
        var widths = new double[table.Columns.Count];
        var wrap = new bool[table.Columns.Count];
        var headers = HeaderTexts(table.Columns);
        for (int c = 0; c < widths.Length; c++)
        {
            // a long header wraps at its spaces: the column need not be wider than its longest word, or 12
            string header = headers[c];
            int longestWord = header.Split(' ').Max(static s => s.Length);
            double width = Math.Min(header.Length, Math.Max(longestWord, 12)) + 3;   // room for the filter button
            int n = 0;
            foreach (var row in table.Rows)
            {
                if (++n > WidthSampleRows) break;
                width = Math.Max(width, DisplayLength(row[c], table.Columns[c].Kind));
            }
            double wrapAt = table.Columns[c].WrapAt ?? WrapWidth;
            if (table.Columns[c].Kind == ReportColumnKind.Text && width > wrapAt)
            {
                wrap[c] = true;
                widths[c] = wrapAt;
                continue;
            }
            // two characters of gap (right-aligned numbers must not touch the text beside them); text, whose letters can
            // be wider than the digit a width is counted in, a tenth more
            double factor = table.Columns[c].Kind == ReportColumnKind.Text ? 1.1 : 1.0;
            widths[c] = Math.Clamp(width * factor + 2, MinColumnWidth, MaxColumnWidth);
        }
        return new SheetLayout(widths, wrap);
    }

    /// <summary>
    /// Lines <paramref name="text"/> takes when wrapped at spaces in a column <paramref name="width"/> characters wide
    /// (line breaks kept; a word longer than a line breaks inside it). A width is counted in the digit '0'; letters
    /// are weighed as Calibri (and Carlito, its metric twin in LibreOffice) draws them: capitals and digits about one
    /// unit, most lower-case letters 0.8, spaces and punctuation about half, so a path of digits takes more room than
    /// a sentence of the same length.
    /// </summary>
    internal static int WrappedLines(string text, double width)
    {
        double capacity = Math.Max(1, width - 3);   // the cell's padding and its one-level indent
        int lines = 0;
        foreach (var paragraph in text.Split('\n'))
        {
            lines++;
            double used = 0;
            bool first = true;
            foreach (var word in paragraph.Split(' '))
            {
                double w = 0;
                foreach (char c in word) w += CharWidth(c);
                if (first)
                {
                    used = w;
                    first = false;
                }
                else if (used + SpaceWidth + w <= capacity)
                {
                    used += SpaceWidth + w;
                    continue;
                }
                else
                {
                    lines++;
                    used = w;
                }
                while (used > capacity)   // a word longer than the line breaks inside it
                {
                    lines++;
                    used -= capacity;
                }
            }
        }
        return lines;
    }

    private const double SpaceWidth = 0.45;

    /// <summary>A character's width in units of the digit '0' (Calibri 11).</summary>
    internal static double CharWidth(char c) => c switch
    {
        >= '0' and <= '9' => 1.0,
        'm' or 'w' => 1.35,
        'i' or 'j' or 'l' or 'f' or 't' or 'r' => 0.5,
        >= 'a' and <= 'z' => 0.85,
        'M' or 'W' => 1.5,
        'I' or 'J' => 0.5,
        >= 'A' and <= 'Z' => 1.1,
        ' ' => SpaceWidth,
        '.' or ',' or ':' or ';' or '\'' or '!' or '|' => 0.5,
        '/' or '\\' or '(' or ')' or '[' or ']' or '-' => 0.6,
        '%' or '@' or '&' => 1.4,
        _ when char.IsLetter(c) => 0.9,
        _ => 1.0,
    };

    private static double DisplayLength(object? v, ReportColumnKind kind) => v switch
    {
        null => 0,
        string s => s.Length,
        DateTime => DateTimeFormat.Length,
        TimeSpan t => Math.Max(11, ((long)Math.Abs(t.TotalHours)).ToString(CultureInfo.InvariantCulture).Length + 10),
        long l => kind == ReportColumnKind.Integer ? l.ToString(CultureInfo.InvariantCulture).Length : l.ToString("N0", CultureInfo.InvariantCulture).Length,
        ulong u => kind == ReportColumnKind.Integer ? u.ToString(CultureInfo.InvariantCulture).Length : u.ToString("N0", CultureInfo.InvariantCulture).Length,
        double d => (kind == ReportColumnKind.Percent ? (d / 100).ToString("P2", CultureInfo.InvariantCulture) : d.ToString("N2", CultureInfo.InvariantCulture)).Length,
        bool => 5,
        _ => v.ToString()?.Length ?? 0,
    };

    private static Columns ColumnsOf(double[] widths)
    {
        var cols = new Columns();
        for (int i = 0; i < widths.Length; i++)
            cols.Append(new Column { Min = (uint)(i + 1), Max = (uint)(i + 1), Width = Math.Round(widths[i], 1), CustomWidth = true });
        return cols;
    }

    /// <summary>True when every character is a hex digit.</summary>
    private static bool ContainsOnlyHex(this ReadOnlySpan<char> span)
    {
        foreach (char c in span)
        {
            if (!char.IsAsciiHexDigit(c)) return false;
        }
        return true;
    }

    private static string HeaderText(string name) => NeutraliseText(name).Replace('\n', ' ').Replace('\r', ' ');

    /// <summary>0 → A, 25 → Z, 26 → AA.</summary>
    internal static string ColumnLetters(int index)
    {
        Span<char> buf = stackalloc char[4];
        int pos = buf.Length;
        index++;
        while (index > 0)
        {
            int rem = (index - 1) % 26;
            buf[--pos] = (char)('A' + rem);
            index = (index - 1) / 26;
        }
        return new string(buf[pos..]);
    }

    /// <summary>A valid sheet name: no []:*?/\, not empty, at most 31 characters.</summary>
    internal static string SheetName(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (char c in name) sb.Append(c is '[' or ']' or ':' or '*' or '?' or '/' or '\\' || char.IsControl(c) ? '_' : c);
        string s = sb.ToString().Trim('\'', ' ');
        return s.Length == 0 ? "Sheet" : s;
    }

    /// <summary>A valid table name: letters, digits and underscores, starting with a letter, never a cell reference.</summary>
    internal static string TableName(string name)
    {
        var sb = new StringBuilder("tbl");
        foreach (char c in name)
        {
            if (char.IsAsciiLetterOrDigit(c) || c == '_') sb.Append(c);
        }
        return sb.ToString();
    }

    private static Stylesheet BuildStylesheet()
    {
        var numberingFormats = new NumberingFormats(
            new NumberingFormat { NumberFormatId = FormatDateTimeId, FormatCode = DateTimeFormat },
            new NumberingFormat { NumberFormatId = FormatTimeSpanId, FormatCode = TimeSpanFormat })
        { Count = 2U };
        var fonts = new Fonts(
            new Font(new FontSize { Val = 11 }, new FontName { Val = "Calibri" }),
            new Font(new Bold(), new FontSize { Val = 11 }, new FontName { Val = "Calibri" }),
            new Font(new Bold(), new FontSize { Val = 16 }, new FontName { Val = "Calibri" }),
            new Font(new Bold(), new FontSize { Val = 12 }, new FontName { Val = "Calibri" }),
            new Font(new Italic(), new Color { Rgb = "FF595959" }, new FontSize { Val = 10 }, new FontName { Val = "Calibri" }))
        { Count = 5U };
        var fills = new Fills(
            new Fill(new PatternFill { PatternType = PatternValues.None }),
            new Fill(new PatternFill { PatternType = PatternValues.Gray125 }),
            new Fill(new PatternFill(new ForegroundColor { Rgb = "FFD9E1F2" }, new BackgroundColor { Indexed = 64U }) { PatternType = PatternValues.Solid }))
        { Count = 3U };
        var borders = new Borders(
            new Border(new LeftBorder(), new RightBorder(), new TopBorder(), new BottomBorder(), new DiagonalBorder()),
            new Border(new LeftBorder(), new RightBorder(), new TopBorder(), new BottomBorder(new Color { Rgb = "FF4472C4" }) { Style = BorderStyleValues.Thin }, new DiagonalBorder()))
        { Count = 2U };
        // data cells sit at the top of their row, so a row made tall by wrapped text reads across
        var xfs = new CellFormats(
            Xf(0, 0, top: true),                                        // 0 default
            Xf(0, 1, fill: 2, border: 1, alignLeft: true, wrap: true),  // 1 header over text and dates
            Xf(1, 0, top: true),                                        // 2 integer "0"
            Xf(3, 0, top: true),                                        // 3 count "#,##0"
            Xf(4, 0, top: true),                                        // 4 decimal "#,##0.00"
            Xf(10, 0, top: true),                                       // 5 percent "0.00%"
            Xf(FormatDateTimeId, 0, alignLeft: true, top: true),        // 6 date-time
            Xf(FormatTimeSpanId, 0, top: true),                         // 7 duration
            Xf(0, 2),                                                   // 8 title
            Xf(0, 3),                                                   // 9 section heading
            Xf(0, 1, top: true),                                        // 10 label
            Xf(3, 0, alignLeft: true, top: true),                       // 11 count, left (summary values)
            Xf(FormatTimeSpanId, 0, alignLeft: true, top: true),        // 12 duration, left (summary values)
            Xf(0, 0, alignLeft: true, top: true),                       // 13 text, indented from a number on its left
            Xf(0, 1, fill: 2, border: 1, alignRight: true, wrap: true), // 14 header over numbers and durations
            Xf(0, 0, alignLeft: true, top: true, wrap: true),           // 15 text that wraps (reasons, details, descriptions)
            Xf(0, 4, top: true, wrap: true))                            // 16 a note line under the title
        { Count = 17U };
        return new Stylesheet(numberingFormats, fonts, fills, borders,
            new CellStyleFormats(new CellFormat { NumberFormatId = 0U, FontId = 0U, FillId = 0U, BorderId = 0U }) { Count = 1U },
            xfs,
            new CellStyles(new CellStyle { Name = "Normal", FormatId = 0U, BuiltinId = 0U }) { Count = 1U });
    }

    private static CellFormat Xf(uint numFmt, uint font, uint fill = 0, uint border = 0, bool alignLeft = false, bool alignRight = false, bool top = false, bool wrap = false)
    {
        var xf = new CellFormat
        {
            NumberFormatId = numFmt, FontId = font, FillId = fill, BorderId = border, FormatId = 0U,
            ApplyNumberFormat = numFmt != 0, ApplyFont = font != 0, ApplyFill = fill != 0, ApplyBorder = border != 0,
        };
        if (alignLeft || alignRight || top || wrap)
        {
            var alignment = new Alignment();
            if (alignLeft)
            {
                alignment.Horizontal = HorizontalAlignmentValues.Left;
                alignment.Indent = 1U;
            }
            if (alignRight) alignment.Horizontal = HorizontalAlignmentValues.Right;
            if (top) alignment.Vertical = VerticalAlignmentValues.Top;
            if (wrap) alignment.WrapText = true;
            xf.Append(alignment);
            xf.ApplyAlignment = true;
        }
        return xf;
    }

    /// <summary>A line chart of the Traffic sheet's Bytes over Time, anchored right of the table; returns the drawing's relationship id.</summary>
    /// <summary>
    /// Excel's first date: earlier ones (a damaged record's 0001-01-01) are no OLE Automation date (ToOADate throws),
    /// so cells hold them as ISO text and the chart as 0.
    /// </summary>
    private static readonly DateTime ExcelFirstDate = new(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static string AddChart(WorksheetPart part, string sheetName, ReportTable table, string title)
    {
        var drawingsPart = part.AddNewPart<DrawingsPart>();
        var chartPart = drawingsPart.AddNewPart<ChartPart>();
        int n = table.Rows.Count;
        string quoted = "'" + sheetName.Replace("'", "''", StringComparison.Ordinal) + "'";
        string categories = $"{quoted}!$A$2:$A${n + 1}", values = $"{quoted}!$B$2:$B${n + 1}";
        var catCache = new C.NumberingCache(new C.FormatCode(DateTimeFormat), new C.PointCount { Val = (uint)n });
        var valCache = new C.NumberingCache(new C.FormatCode("#,##0"), new C.PointCount { Val = (uint)n });
        for (int i = 0; i < n; i++)
        {
            var category = (DateTime)table.Rows[i][0]!;
            double oaDate = category < ExcelFirstDate ? 0 : category.ToOADate();
            catCache.Append(new C.NumericPoint(new C.NumericValue(oaDate.ToString("R", CultureInfo.InvariantCulture))) { Index = (uint)i });
            valCache.Append(new C.NumericPoint(new C.NumericValue(Convert.ToDouble(table.Rows[i][1], CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture))) { Index = (uint)i });
        }
        const uint catAxis = 48650112U, valAxis = 48672768U;
        var series = new C.LineChartSeries(
            new C.Index { Val = 0U }, new C.Order { Val = 0U },
            new C.SeriesText(new C.StringReference(new C.Formula($"{quoted}!$B$1"),
                new C.StringCache(new C.PointCount { Val = 1U }, new C.StringPoint(new C.NumericValue("Bytes")) { Index = 0U }))),
            new C.ChartShapeProperties(new A.Outline(new A.SolidFill(new A.RgbColorModelHex { Val = "4472C4" })) { Width = 19050 }),
            new C.Marker(new C.Symbol { Val = C.MarkerStyleValues.None }),
            new C.CategoryAxisData(new C.NumberReference(new C.Formula(categories), catCache)),
            new C.Values(new C.NumberReference(new C.Formula(values), valCache)),
            new C.Smooth { Val = false });
        var lineChart = new C.LineChart(new C.Grouping { Val = C.GroupingValues.Standard }, new C.VaryColors { Val = false }, series,
            new C.ShowMarker { Val = false }, new C.AxisId { Val = catAxis }, new C.AxisId { Val = valAxis });
        var dateAxis = new C.CategoryAxis(
            new C.AxisId { Val = catAxis }, new C.Scaling(new C.Orientation { Val = C.OrientationValues.MinMax }), new C.Delete { Val = false },
            new C.AxisPosition { Val = C.AxisPositionValues.Bottom },
            new C.NumberingFormat { FormatCode = "mm-dd hh:mm", SourceLinked = false },
            new C.MajorTickMark { Val = C.TickMarkValues.Outside }, new C.MinorTickMark { Val = C.TickMarkValues.None },
            new C.TickLabelPosition { Val = C.TickLabelPositionValues.Low },
            new C.TextProperties(new A.BodyProperties { Rotation = -2700000, Vertical = A.TextVerticalValues.Horizontal }, new A.ListStyle(),
                new A.Paragraph(new A.ParagraphProperties(new A.DefaultRunProperties { FontSize = 800 }), new A.EndParagraphRunProperties { Language = "en-US" })),
            new C.CrossingAxis { Val = valAxis }, new C.Crosses { Val = C.CrossesValues.AutoZero }, new C.AutoLabeled { Val = false },
            new C.LabelAlignment { Val = C.LabelAlignmentValues.Center }, new C.LabelOffset { Val = 100 }, new C.NoMultiLevelLabels { Val = false });
        var valueAxis = new C.ValueAxis(
            new C.AxisId { Val = valAxis }, new C.Scaling(new C.Orientation { Val = C.OrientationValues.MinMax }), new C.Delete { Val = false },
            new C.AxisPosition { Val = C.AxisPositionValues.Left }, new C.MajorGridlines(),
            new C.Title(new C.ChartText(new C.RichText(new A.BodyProperties { Rotation = -5400000, Vertical = A.TextVerticalValues.Horizontal }, new A.ListStyle(),
                new A.Paragraph(new A.ParagraphProperties(new A.DefaultRunProperties { FontSize = 900, Bold = false }), new A.Run(new A.RunProperties { Language = "en-US", FontSize = 900 }, new A.Text("Bytes"))))),
                new C.Overlay { Val = false }),
            new C.NumberingFormat { FormatCode = "#,##0", SourceLinked = false },
            new C.MajorTickMark { Val = C.TickMarkValues.Outside }, new C.MinorTickMark { Val = C.TickMarkValues.None },
            new C.TickLabelPosition { Val = C.TickLabelPositionValues.NextTo },
            new C.CrossingAxis { Val = catAxis }, new C.Crosses { Val = C.CrossesValues.AutoZero }, new C.CrossBetween { Val = C.CrossBetweenValues.Between });
        var chartTitle = new C.Title(new C.ChartText(new C.RichText(new A.BodyProperties(), new A.ListStyle(),
            new A.Paragraph(new A.ParagraphProperties(new A.DefaultRunProperties { FontSize = 1200, Bold = true }), new A.Run(new A.RunProperties { Language = "en-US", FontSize = 1200, Bold = true }, new A.Text(title))))),
            new C.Overlay { Val = false });
        chartPart.ChartSpace = new C.ChartSpace(
            new C.Date1904 { Val = false }, new C.EditingLanguage { Val = "en-US" }, new C.RoundedCorners { Val = false },
            new C.Chart(chartTitle, new C.AutoTitleDeleted { Val = false },
                new C.PlotArea(new C.Layout(), lineChart, dateAxis, valueAxis),
                new C.PlotVisibleOnly { Val = true }, new C.DisplayBlanksAs { Val = C.DisplayBlanksAsValues.Gap }));
        chartPart.ChartSpace.Save();

        int firstCol = table.Columns.Count + 1;
        drawingsPart.WorksheetDrawing = new Xdr.WorksheetDrawing(new Xdr.TwoCellAnchor(
            new Xdr.FromMarker(new Xdr.ColumnId(firstCol.ToString(CultureInfo.InvariantCulture)), new Xdr.ColumnOffset("0"), new Xdr.RowId("1"), new Xdr.RowOffset("0")),
            new Xdr.ToMarker(new Xdr.ColumnId((firstCol + 12).ToString(CultureInfo.InvariantCulture)), new Xdr.ColumnOffset("0"), new Xdr.RowId("24"), new Xdr.RowOffset("0")),
            new Xdr.GraphicFrame(
                new Xdr.NonVisualGraphicFrameProperties(new Xdr.NonVisualDrawingProperties { Id = 2U, Name = "Traffic chart" }, new Xdr.NonVisualGraphicFrameDrawingProperties()),
                new Xdr.Transform(new A.Offset { X = 0L, Y = 0L }, new A.Extents { Cx = 0L, Cy = 0L }),
                new A.Graphic(new A.GraphicData(new C.ChartReference { Id = drawingsPart.GetIdOfPart(chartPart) }) { Uri = "http://schemas.openxmlformats.org/drawingml/2006/chart" }))
            { Macro = "" },
            new Xdr.ClientData()) { EditAs = Xdr.EditAsValues.OneCell });
        drawingsPart.WorksheetDrawing.Save();
        return part.GetIdOfPart(drawingsPart);
    }

    /// <summary>The shared-string table, built while the sheets are written.</summary>
    private sealed class SharedStrings
    {
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
        private readonly List<string> _strings = [];
        private long _uses;

        public string Index(string text)
        {
            _uses++;
            if (!_index.TryGetValue(text, out int i))
            {
                i = _strings.Count;
                _index.Add(text, i);
                _strings.Add(text);
            }
            return i.ToString(CultureInfo.InvariantCulture);
        }

        public void WriteTo(SharedStringTablePart part)
        {
            using var w = OpenXmlWriter.Create(part);
            w.WriteStartElement(new SharedStringTable { Count = (uint)Math.Min(_uses, uint.MaxValue), UniqueCount = (uint)_strings.Count });
            foreach (string s in _strings)
            {
                var t = new Text(Escape(s));
                if (s.Length > 0 && (char.IsWhiteSpace(s[0]) || char.IsWhiteSpace(s[^1]))) t.Space = SpaceProcessingModeValues.Preserve;
                w.WriteElement(new SharedStringItem(t));
            }
            w.WriteEndElement();
            w.Close();
        }
    }

    /// <summary>
    /// OOXML's escaping of text (ST_Xstring): a carriage return, which XML would turn into a line feed, is stored as
    /// <c>_x000D_</c>, and text that already looks like such an escape keeps its underscore as <c>_x005F_</c>.
    /// </summary>
    internal static string Escape(string s)
    {
        if (s.IndexOf('\r') < 0 && s.IndexOf("_x", StringComparison.Ordinal) < 0) return s;
        var sb = new StringBuilder(s.Length + 8);
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '\r') sb.Append("_x000D_");
            else if (c == '_' && i + 6 < s.Length && s[i + 1] == 'x' && s[i + 6] == '_' && s.AsSpan(i + 2, 4).ContainsOnlyHex()) sb.Append("_x005F_");
            else sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>Unique names (case-insensitive), cut to a length, with " (2)", "_2" … added to repeats.</summary>
    private sealed class NameSet(int maxLength)
    {
        private readonly HashSet<string> _taken = new(StringComparer.OrdinalIgnoreCase);

        public string Take(string name)
        {
            string candidate = name.Length > maxLength ? name[..maxLength] : name;
            for (int i = 2; !_taken.Add(candidate); i++)
            {
                string suffix = maxLength == ExcelLimits.MaxSheetName ? $" ({i})" : $"_{i}";
                candidate = (name.Length + suffix.Length > maxLength ? name[..(maxLength - suffix.Length)] : name) + suffix;
            }
            return candidate;
        }
    }
}
