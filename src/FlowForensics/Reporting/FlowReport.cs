using System.Reflection;
using FlowForensics.Analysis.Hunting;
using FlowForensics.Analysis.TopN;
using FlowForensics.Flows;
using FlowForensics.Storage;

namespace FlowForensics.Reporting;

/// <summary>
/// Gathers one case's workbook (Export-FlowReport): flows (totals, traffic over time, each host's activity per hour
/// for the timeline, and the <see cref="StandardReportAnalyses"/>), findings and other flat objects (one sheet per
/// type), top-N rows, evidence files with their SHA-256 and the parameters used. Memory is bounded: flows are
/// aggregated; the optional Flows sheet keeps the earliest <see cref="FlowReportOptions.FlowListLimit"/> flows; host
/// activity is bounded by <see cref="HostActivity.MaxHostHours"/>; every other sheet holds at most
/// <see cref="FlowReportOptions.SheetRowLimit"/> rows, and the summary says what was left out.
/// </summary>
public sealed class FlowReport
{
    /// <summary>
    /// The Timeline sheet's columns: findings and each hour's busiest hosts ("Activity") in one time order. Host is a
    /// finding's host or the active source; Peer and Port what it reached. The columns a printed page shows come first
    /// (time, duration, kind, who, how much, detail); End, Protocol and Packets follow.
    /// </summary>
    public static readonly IReadOnlyList<ReportColumn> TimelineColumns =
    [
        new("Time", ReportColumnKind.DateTime), new("Duration", ReportColumnKind.TimeSpan), new("Kind", ReportColumnKind.Text),
        new("Host", ReportColumnKind.Text), new("Peer", ReportColumnKind.Text) { WrapAt = 24 }, new("Port", ReportColumnKind.Integer),
        new("Flows", ReportColumnKind.Count), new("Bytes", ReportColumnKind.Count), new("Detail", ReportColumnKind.Text),
        new("End", ReportColumnKind.DateTime), new("Protocol", ReportColumnKind.Text), new("Packets", ReportColumnKind.Count),
    ];

    /// <summary>The Flows sheet's columns (the flow list, with <see cref="FlowReportOptions.FlowListLimit"/>).</summary>
    public static readonly IReadOnlyList<ReportColumn> FlowListColumns =
    [
        new("Start", ReportColumnKind.DateTime), new("End", ReportColumnKind.DateTime), new("Duration", ReportColumnKind.TimeSpan),
        new("Protocol", ReportColumnKind.Text), new("SrcAddr", ReportColumnKind.Text), new("SrcPort", ReportColumnKind.Integer),
        new("DstAddr", ReportColumnKind.Text), new("DstPort", ReportColumnKind.Integer),
        new("Flags", ReportColumnKind.Text), new("Packets", ReportColumnKind.Count), new("Bytes", ReportColumnKind.Count),
    ];

    private static readonly string[] TopNKeyNames =
    [
        "SrcAddr", "DstAddr", "Address", "SrcNet", "DstNet", "Net", "SrcPort", "DstPort", "Port", "Protocol", "SrcAs", "DstAs", "As",
        "InputInterface", "OutputInterface", "Interface", "SrcTos", "DstTos", "Tos", "SrcVlan", "DstVlan", "Vlan",
    ];

    private static readonly PropertyInfo[] TopNKeyProperties = TopNKeyNames.Select(n => typeof(TopNRow).GetProperty(n)!).ToArray();

    private readonly FlowReportOptions _options;
    private readonly IReadOnlyList<ReportAnalysis> _analyses;
    private readonly bool[] _replaced;   // per analysis: a hunt whose findings came from the pipeline
    private readonly List<FlowFileInfo> _evidence = [];
    private readonly List<(string Name, string Value)> _parameters = [];
    private readonly List<ReportTable> _sheets = [];
    private readonly Dictionary<string, ReportTable> _sheetsByName = new(StringComparer.OrdinalIgnoreCase);
    private readonly PriorityQueue<object?[], (long Ticks, long Seq)> _listedFlows;
    private readonly HostActivity _activity = new();
    private readonly List<object?[]> _timelineFindings = [];
    private readonly TrafficHistogram _traffic;
    private long _timelineFindingsOffered, _seq;
    private bool _completed;

    /// <summary>
    /// A report whose hunts are <paramref name="hunts"/>, or when null the standard hunts made with
    /// <see cref="FlowReportOptions.Hunts"/>; the top-N statistics always run.
    /// </summary>
    public FlowReport(FlowReportOptions? options = null, IReadOnlyList<IHunt>? hunts = null)
    {
        _options = options ?? new FlowReportOptions();
        _options.Validate();
        _analyses = StandardReportAnalyses.Create(_options.Top, _options.Hunts, hunts);
        _replaced = new bool[_analyses.Count];
        _traffic = new TrafficHistogram(_options.TrafficBuckets);
        // a max-heap on start: the latest kept flow is on top and leaves first when an earlier one comes
        _listedFlows = new PriorityQueue<object?[], (long, long)>(Comparer<(long Ticks, long Seq)>.Create(
            static (a, b) => a.Ticks != b.Ticks ? b.Ticks.CompareTo(a.Ticks) : b.Seq.CompareTo(a.Seq)));
    }

    public FlowReportOptions Options => _options;

    /// <summary>Flow records received.</summary>
    public long RecordCount { get; private set; }

    /// <summary>Flows (a record counts its <see cref="FlowRecord.Flows"/>).</summary>
    public long FlowCount { get; private set; }

    /// <summary>Packets in both directions.</summary>
    public long PacketCount { get; private set; }

    /// <summary>Bytes in both directions.</summary>
    public long ByteCount { get; private set; }

    public DateTime? FirstStart { get; private set; }

    public DateTime? LastEnd { get; private set; }

    /// <summary>Objects other than flows received (findings, top-N rows, anything flat).</summary>
    public long ObjectCount { get; private set; }

    /// <summary>An evidence file (hashed by <see cref="FlowFileInfo.Read"/>) listed on the summary.</summary>
    public void AddEvidence(FlowFileInfo file)
    {
        ArgumentNullException.ThrowIfNull(file);
        _evidence.Add(file);
    }

    /// <summary>A parameter the report was made with, listed on the summary.</summary>
    public void AddParameter(string name, string value) => _parameters.Add((name, value));

    /// <summary>One flow: totals, traffic chart, timeline, every standard analysis. The record is not kept.</summary>
    public void AddFlow(FlowRecord flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        ThrowIfCompleted();
        RecordCount++;
        FlowCount += flow.Flows;
        long packets = flow.Packets + flow.OutPackets, bytes = flow.Bytes + flow.OutBytes;
        PacketCount += packets;
        ByteCount += bytes;
        if (FirstStart is not { } first || flow.Start < first) FirstStart = flow.Start;
        if (LastEnd is not { } last || flow.End > last) LastEnd = flow.End;
        _traffic.Add(flow.Start, flow.End, bytes, packets, flow.Flows);
        _activity.Add(flow, packets, bytes);
        ListFlow(flow, packets, bytes);
        for (int i = 0; i < _analyses.Count; i++)
            if (!_replaced[i]) _analyses[i].Add(flow);
    }

    /// <summary>
    /// Any object: a <see cref="FlowRecord"/> is a flow (<see cref="AddFlow"/>), a <see cref="TopNRow"/> goes to a
    /// "Top …" sheet named after its key, anything else to a sheet named after its type, one row per object with its
    /// public properties as columns. Objects with a date are listed on the timeline too.
    /// </summary>
    public void AddObject(object item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item is FlowRecord flow)
        {
            AddFlow(flow);
            return;
        }
        ThrowIfCompleted();
        ObjectCount++;
        if (item is TopNRow row)
        {
            var table = Sheet(TopNSheetName(row), typeof(TopNRow), "top-N rows from the pipeline (Measure-FlowTopN)");
            table.Add(() => ReportSchema.For(typeof(TopNRow)).RowOf(row));
            return;
        }
        Type type = item.GetType();
        var schema = ReportSchema.ForFinding(type);
        // a hunt's findings from the pipeline take the hunt's sheet (and the report does not run that hunt itself)
        var hunt = _analyses.FirstOrDefault(a => a.FindingType == type);
        var sheet = hunt is null
            ? Sheet(type.Name, type, $"{type.Name} objects from the pipeline")
            : Sheet(hunt.SheetName, type, $"{hunt.SheetName} from the pipeline ({type.Name}); the report did not run this hunt itself");
        object?[] values = schema.RowOf(item);
        sheet.Add(values);
        AddTimelineObject(type.Name, schema.Columns, values, item.ToString());
    }

    /// <summary>
    /// An object given as names and values (a PSCustomObject): a sheet named <paramref name="typeName"/>, whose columns
    /// are the first such object's names; later objects fill the columns they share with it.
    /// </summary>
    public void AddRecord(string typeName, IReadOnlyList<string> names, IReadOnlyList<object?> values)
    {
        ArgumentException.ThrowIfNullOrEmpty(typeName);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(values);
        if (names.Count != values.Count) throw new ArgumentException("names and values differ in length.", nameof(values));
        ThrowIfCompleted();
        ObjectCount++;
        if (!_sheetsByName.TryGetValue(typeName, out var sheet))
        {
            if (names.Count == 0) names = ["Value"];
            var columns = new List<ReportColumn>(names.Count);
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < names.Count; i++)
            {
                if (!seen.Add(names[i])) continue;
                columns.Add(new ReportColumn(names[i], i < values.Count && values[i] is { } v ? ReportColumn.KindOf(names[i], v.GetType()) : ReportColumnKind.Text));
            }
            sheet = AddSheet(new ReportTable(typeName, columns, _options.SheetRowLimit) { Note = $"{typeName} objects from the pipeline" });
        }
        var row = new object?[sheet.Columns.Count];
        for (int c = 0; c < row.Length; c++)
        {
            for (int i = 0; i < names.Count; i++)
            {
                if (string.Equals(names[i], sheet.Columns[c].Name, StringComparison.OrdinalIgnoreCase))
                {
                    row[c] = ReportColumn.Normalize(values[i], sheet.Columns[c].Kind);
                    break;
                }
            }
        }
        sheet.Add(row);
        AddTimelineObject(typeName, sheet.Columns, row, null);
    }

    /// <summary>Runs the analyses' ends and lays out the workbook; the report takes no more input after this.</summary>
    public FlowReportWorkbook Complete()
    {
        ThrowIfCompleted();
        _completed = true;
        var sheets = new List<ReportTable>();
        for (int i = 0; i < _analyses.Count; i++)
        {
            if (_replaced[i]) continue;   // listed with the piped sheets
            var analysis = _analyses[i];
            ReportTable? table = null;
            foreach (object result in analysis.Results())
            {
                var schema = result is TopNRow ? ReportSchema.For(typeof(TopNRow)) : ReportSchema.ForFinding(result.GetType());
                table ??= new ReportTable(analysis.SheetName, schema.Columns, _options.SheetRowLimit) { Note = analysis.Description };
                if (result is TopNRow)
                {
                    table.Add(() => schema.RowOf(result));   // the row is made only if the sheet keeps it
                    continue;
                }
                var row = schema.RowOf(result);
                table.Add(row);
                AddTimelineObject(analysis.SheetName, schema.Columns, row, result.ToString());
            }
            table ??= new ReportTable(analysis.SheetName, [new ReportColumn("Result", ReportColumnKind.Text)], 0) { Note = analysis.Description + "; nothing found" };
            sheets.Add(IsTopN(analysis) ? DropEmptyColumns(table) : table);
        }
        foreach (var sheet in _sheets) sheets.Add(sheet.Columns == ReportSchema.For(typeof(TopNRow)).Columns ? DropEmptyColumns(sheet) : sheet);

        var timeline = BuildTimeline();
        var traffic = new ReportTable("Traffic", [new("Time", ReportColumnKind.DateTime), new("Bytes", ReportColumnKind.Count),
            new("Packets", ReportColumnKind.Count), new("Flows", ReportColumnKind.Count)], ExcelLimits.MaxDataRows)
        {
            Note = $"bytes and packets per {Describe(_traffic.BucketWidth)}, each flow's spread evenly over its duration (as nfdump's time-sliced statistics), " +
                   "flows counted where they start; with the chart",
        };
        foreach (var (start, bytes, packets, flows) in _traffic.Buckets()) traffic.Add([start, bytes, packets, flows]);

        var evidence = new ReportTable("Evidence", [new("Path", ReportColumnKind.Text), new("Sha256", ReportColumnKind.Text),
            new("Flows", ReportColumnKind.Count), new("FirstSeen", ReportColumnKind.DateTime), new("LastSeen", ReportColumnKind.DateTime),
            new("Length", ReportColumnKind.Count), new("Packets", ReportColumnKind.Count), new("Bytes", ReportColumnKind.Count),
            new("Layout", ReportColumnKind.Integer), new("Compression", ReportColumnKind.Text), new("Ident", ReportColumnKind.Text)], int.MaxValue);
        foreach (var f in _evidence)
            evidence.Add([f.Path, f.Sha256, f.Flows, f.FirstSeen, f.LastSeen, f.Length, f.Packets, f.Bytes, (long)f.Layout, f.Compression.ToString(), f.Ident]);

        evidence.Note = "the evidence files read, with their SHA-256 (the summary lists the first " + ExcelWorkbookWriter.SummaryEvidenceLimit + ")";

        var all = new List<ReportTable>(sheets.Count + 4) { traffic };
        all.AddRange(sheets);
        all.Add(timeline);
        if (_options.FlowListLimit > 0) all.Add(BuildFlowList());
        all.Add(evidence);
        return new FlowReportWorkbook(SummaryItems(), evidence, all, traffic, $"Bytes per {Describe(_traffic.BucketWidth)} (each flow spread over its duration, UTC)");
    }

    /// <summary>Completes the report and writes it to <paramref name="path"/> through a temporary file in the same folder.</summary>
    /// <exception cref="IOException"><paramref name="path"/> exists and <paramref name="overwrite"/> is false, or the write failed.</exception>
    public FlowReportWorkbook Save(string path, bool overwrite, CancellationToken cancel = default)
    {
        var workbook = Complete();
        ExcelWorkbookWriter.Save(workbook, path, overwrite, cancel);
        return workbook;
    }

    private List<(string Label, object? Value)> SummaryItems()
    {
        var items = new List<(string, object?)>();
        if (!string.IsNullOrEmpty(_options.Title)) items.Add(("Case", _options.Title));
        items.Add(("Report created (UTC)", DateTime.UtcNow));
        items.Add(("Written by", $"FlowForensics {ModuleVersion}"));
        items.Add(("Evidence files", (long)_evidence.Count));
        items.Add(("Flow records", RecordCount));
        items.Add(("Flows", FlowCount));
        items.Add(("Packets (both directions)", PacketCount));
        items.Add(("Bytes (both directions)", ByteCount));
        items.Add(("First flow start (UTC)", FirstStart));
        items.Add(("Last flow end (UTC)", LastEnd));
        items.Add(("Time span", FirstStart is { } a && LastEnd is { } b && b >= a ? b - a : null));
        if (ObjectCount > 0) items.Add(("Objects from the pipeline (not flows)", ObjectCount));
        foreach (var (name, value) in _parameters) items.Add(($"Parameter -{name}", value));
        return items;
    }

    /// <summary>The engine's version (the module version).</summary>
    public static string ModuleVersion
    {
        get
        {
            var v = typeof(FlowReport).Assembly.GetName().Version;
            return v is null ? "unknown" : $"{v.Major}.{v.Minor}.{v.Build}";
        }
    }

    /// <summary>Findings and each hour's busiest hosts, in time order (rows without a time last, in arrival order).</summary>
    private ReportTable BuildTimeline()
    {
        var rows = new List<(object?[] Row, long Seq)>(_timelineFindings.Count);
        long seq = 0;
        foreach (var r in _timelineFindings) rows.Add((r, seq++));
        int activities = 0;
        foreach (var r in _activity.Rows(_options.TimelineHostsPerHour))
        {
            rows.Add((r, seq++));
            activities++;
        }
        SortByTime(rows);
        long findingsLeftOut = _timelineFindingsOffered - _timelineFindings.Count;
        var table = new ReportTable("Timeline", TimelineColumns, rows.Count)
        {
            Note = $"findings and, for every hour, the {_options.TimelineHostsPerHour} busiest source hosts by bytes (Activity; the rest together), in time order: " +
                   $"{_timelineFindings.Count:N0} findings" + (findingsLeftOut > 0 ? $" ({findingsLeftOut:N0} more left out)" : "") + $", {activities:N0} activity rows",
        };
        foreach (var (row, _) in rows) table.Add(row);
        return table;
    }

    /// <summary>The optional flow list: the earliest <see cref="FlowReportOptions.FlowListLimit"/> flows by start.</summary>
    private ReportTable BuildFlowList()
    {
        var rows = new List<(object?[] Row, long Seq)>(_listedFlows.Count);
        while (_listedFlows.TryDequeue(out var r, out var key)) rows.Add((r, key.Seq));
        SortByTime(rows);
        long listed = Math.Min(RecordCount, _options.FlowListLimit), leftOut = RecordCount - listed;
        var table = new ReportTable("Flows", FlowListColumns, rows.Count)
        {
            Note = $"the flows in start order: {listed:N0} of {RecordCount:N0}" +
                   (leftOut > 0 ? $" (the earliest {_options.FlowListLimit:N0}; {leftOut:N0} later flows are counted in the totals but not listed)" : ""),
        };
        foreach (var (row, _) in rows) table.Add(row);
        return table;
    }

    private static void SortByTime(List<(object?[] Row, long Seq)> rows) => rows.Sort(static (a, b) =>
    {
        var ta = a.Row[0] as DateTime?;
        var tb = b.Row[0] as DateTime?;
        if (ta is null || tb is null) return ta is null == tb is null ? a.Seq.CompareTo(b.Seq) : ta is null ? 1 : -1;
        int c = ta.Value.CompareTo(tb.Value);
        return c != 0 ? c : a.Seq.CompareTo(b.Seq);
    });

    private void ListFlow(FlowRecord flow, long packets, long bytes)
    {
        int limit = _options.FlowListLimit;
        if (limit == 0) return;
        long ticks = flow.Start.Ticks, seq = _seq++;
        if (_listedFlows.Count >= limit)
        {
            _listedFlows.TryPeek(out _, out var latest);
            if (ticks >= latest.Ticks) return;
            _listedFlows.DequeueEnqueue(FlowRow(flow, packets, bytes), (ticks, seq));
            return;
        }
        _listedFlows.Enqueue(FlowRow(flow, packets, bytes), (ticks, seq));
    }

    private static object?[] FlowRow(FlowRecord f, long packets, long bytes) =>
    [
        f.Start, f.End, f.Duration, f.ProtocolName, f.SrcAddr?.ToString(), (long)f.SrcPort, f.DstAddr?.ToString(), (long)f.DstPort,
        f.Protocol == 6 ? f.Flags : null, packets, bytes,
    ];

    /// <summary>A finding on the timeline: its first date is the time; SrcAddr, DstAddr, ports, Packets, Bytes and Reason are taken when it has them.</summary>
    private void AddTimelineObject(string kind, IReadOnlyList<ReportColumn> columns, object?[] values, string? text)
    {
        int time = -1;
        for (int i = 0; i < columns.Count; i++)
        {
            if (columns[i].Kind == ReportColumnKind.DateTime && values[i] is DateTime)
            {
                time = i;
                break;
            }
        }
        if (time < 0) return;
        _timelineFindingsOffered++;
        if (_timelineFindings.Count >= _options.SheetRowLimit) return;
        object? Get(params string[] names)
        {
            foreach (string n in names)
            {
                for (int i = 0; i < columns.Count; i++)
                {
                    if (string.Equals(columns[i].Name, n, StringComparison.OrdinalIgnoreCase) && values[i] is not null) return values[i];
                }
            }
            return null;
        }
        var start = (DateTime)values[time]!;
        var end = Get("LastSeen", "End", "EndTime", "Last") as DateTime?;
        var duration = Get("Duration") as TimeSpan? ?? (end is { } e && e >= start ? e - start : null);
        _timelineFindings.Add(
        [
            start, duration, kind, Get("Host", "SrcAddr", "Scanner", "Source", "Client", "Address")?.ToString(),
            Get("DstAddr", "Peer", "Peers", "Destination", "Server", "Target")?.ToString(), Get("DstPort", "Port") as long?,
            Get("Flows", "Connections") as long?, Get("Bytes", "BytesOut") as long?, (Get("Reason", "Description", "Message") ?? text)?.ToString(),
            end, Get("ProtocolName", "Protocol")?.ToString(), Get("Packets") as long?,
        ]);
    }

    private ReportTable Sheet(string name, Type type, string note)
    {
        if (_sheetsByName.TryGetValue(name, out var existing)) return existing;
        var schema = type == typeof(TopNRow) ? ReportSchema.For(type) : ReportSchema.ForFinding(type);
        return AddSheet(new ReportTable(name, schema.Columns, _options.SheetRowLimit) { Note = note });
    }

    private ReportTable AddSheet(ReportTable table)
    {
        _sheets.Add(table);
        _sheetsByName[table.Name] = table;
        // A hunt whose sheet now comes from the pipeline is not run: its flows are not even given to it.
        for (int i = 0; i < _analyses.Count; i++)
            if (_analyses[i].FindingType is not null && string.Equals(_analyses[i].SheetName, table.Name, StringComparison.OrdinalIgnoreCase)) _replaced[i] = true;
        return table;
    }

    private static string TopNSheetName(TopNRow row)
    {
        var keys = new List<string>();
        for (int i = 0; i < TopNKeyProperties.Length; i++)
        {
            if (TopNKeyProperties[i].GetValue(row) is not null) keys.Add(TopNKeyNames[i]);
        }
        if (keys.Count == 5 && keys.Contains("SrcAddr") && keys.Contains("DstAddr") && keys.Contains("SrcPort") && keys.Contains("DstPort") && keys.Contains("Protocol"))
            return "Top Conversation";
        return keys.Count == 0 ? "Top N" : "Top " + string.Join('+', keys);
    }

    private static bool IsTopN(ReportAnalysis a) => a.SheetName.StartsWith("Top ", StringComparison.Ordinal);

    /// <summary>
    /// The table without the columns that are empty in every row (a top-N row's unused key columns), and without the
    /// Key text, which repeats the key columns beside it.
    /// </summary>
    internal static ReportTable DropEmptyColumns(ReportTable table)
    {
        var keep = new List<int>();
        for (int c = 0; c < table.Columns.Count; c++)
        {
            if (table.Columns[c].Name == "Key" && table.Columns.Count > 1) continue;
            foreach (var row in table.Rows)
            {
                if (row[c] is not null)
                {
                    keep.Add(c);
                    break;
                }
            }
        }
        if (keep.Count == table.Columns.Count || keep.Count == 0) return table;
        var copy = new ReportTable(table.Name, keep.ConvertAll(c => table.Columns[c]), table.MaxRows) { Note = table.Note };
        foreach (var row in table.Rows) copy.Add(keep.ConvertAll(c => row[c]).ToArray());
        copy.CountLeftOut(table.OfferedRows - table.Rows.Count);
        return copy;
    }

    private static string Describe(TimeSpan width) =>
        width.TotalDays >= 1 && width.TotalDays % 1 == 0 ? (width.TotalDays == 1 ? "day" : $"{width.TotalDays:0} days")
        : width.TotalHours >= 1 && width.TotalHours % 1 == 0 ? (width.TotalHours == 1 ? "hour" : $"{width.TotalHours:0} hours")
        : width.TotalMinutes == 1 ? "minute" : $"{width.TotalMinutes:0} minutes";

    private void ThrowIfCompleted()
    {
        if (_completed) throw new InvalidOperationException("The report was completed; it takes no more input.");
    }
}

/// <summary>A report laid out for the writer: summary items, evidence, the sheets in order, and the chart's data.</summary>
public sealed record FlowReportWorkbook(
    IReadOnlyList<(string Label, object? Value)> Summary,
    ReportTable Evidence,
    IReadOnlyList<ReportTable> Sheets,
    ReportTable Traffic,
    string ChartTitle);
