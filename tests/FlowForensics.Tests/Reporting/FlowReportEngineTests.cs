using FlowForensics.Analysis.Hunting;
using FlowForensics.Flows;
using FlowForensics.Reporting;
using FlowForensics.Tests.Cmdlets;
using Xunit;

namespace FlowForensics.Tests.Reporting;

/// <summary>The report engine's bounds and rules without the cmdlet: timeline, traffic buckets, sheet caps, neutralising.</summary>
public sealed class FlowReportEngineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ff-report-engine-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+49 30 1234", "'+49 30 1234")]
    [InlineData("-cmd", "'-cmd")]
    [InlineData("@user", "'@user")]
    [InlineData("\tx", "'\tx")]
    [InlineData("\rx", "'\rx")]
    [InlineData("x=1", "x=1")]
    [InlineData("10.0.0.1", "10.0.0.1")]
    [InlineData("", "")]
    [InlineData("bell\u0007here", "bell\uFFFDhere")]
    [InlineData("pair \uD83D\uDE00 kept", "pair \uD83D\uDE00 kept")]
    public void Text_is_neutralised_and_made_storable(string text, string stored) =>
        Assert.Equal(stored, ExcelWorkbookWriter.NeutraliseText(text));

    [Fact]
    public void A_lone_surrogate_becomes_a_replacement_character()
    {
        string lone = "lone " + (char)0xD800 + " surrogate";
        Assert.Equal("lone \uFFFD surrogate", ExcelWorkbookWriter.NeutraliseText(lone));
    }

    [Fact]
    public void Text_longer_than_a_cell_holds_is_cut()
    {
        string stored = ExcelWorkbookWriter.NeutraliseText(new string('a', 40_000));
        Assert.Equal(ExcelLimits.MaxCellText, stored.Length);
        Assert.EndsWith("…", stored, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a\rb", "a_x000D_b")]
    [InlineData("_x0041_", "_x005F_x0041_")]
    [InlineData("_xZZZZ_", "_xZZZZ_")]
    [InlineData("plain", "plain")]
    public void Carriage_returns_and_escape_lookalikes_are_escaped(string text, string stored)
    {
        Assert.Equal(stored, ExcelWorkbookWriter.Escape(text));
        Assert.Equal(text, WorkbookReader.Unescape(stored));
    }

    [Fact]
    public void The_flow_list_keeps_the_earliest_flows_whatever_order_they_come_in()
    {
        var flows = CmdletKit.RandomFlows(5_000, seed: 7, CmdletKit.T0, TimeSpan.FromHours(3));   // shuffled starts
        var report = new FlowReport(new FlowReportOptions { FlowListLimit = 300 }, hunts: []);
        foreach (var f in flows) report.AddFlow(f);
        var wb = report.Complete();
        var list = wb.Sheets.Single(t => t.Name == "Flows");
        Assert.Equal(300, list.Rows.Count);
        var expected = flows.Select(f => f.Start).Order().Take(300).ToList();
        Assert.Equal(expected, list.Rows.Select(r => (DateTime)r[0]!));
        Assert.Contains("4,700 later flows are counted in the totals but not listed", list.Note, StringComparison.Ordinal);
        Assert.Equal(5_000, report.RecordCount);
        Assert.Equal(flows.Sum(f => f.Bytes), report.ByteCount);
    }

    [Fact]
    public void Traffic_buckets_widen_to_stay_bounded_and_keep_every_byte()
    {
        var histogram = new TrafficHistogram(maxBuckets: 100);
        var rng = new Random(3);
        long total = 0;
        var start = CmdletKit.T0;
        for (int i = 0; i < 20_000; i++)
        {
            long bytes = rng.Next(1, 5000);
            total += bytes;
            histogram.Add(start.AddSeconds(rng.Next(0, 30 * 24 * 3600)), bytes, 1, 1);   // 30 days
        }
        var buckets = histogram.Buckets().ToList();
        Assert.InRange(buckets.Count, 2, 100);
        Assert.Equal(total, buckets.Sum(b => b.Bytes));
        Assert.Equal(TimeSpan.FromHours(12), histogram.BucketWidth);   // 30 days: 6 hours would need 121 buckets, 12 hours need 61
        Assert.All(buckets.Zip(buckets.Skip(1)), p => Assert.Equal(histogram.BucketWidth, p.Second.Start - p.First.Start));
        Assert.Equal(0, buckets[0].Start.Ticks % histogram.BucketWidth.Ticks);
    }

    [Fact]
    public void A_far_outlier_widens_the_buckets_instead_of_filling_millions()
    {
        var histogram = new TrafficHistogram(maxBuckets: 1440);
        histogram.Add(new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc), 10, 1, 1);
        histogram.Add(CmdletKit.T0, 20, 1, 1);
        var buckets = histogram.Buckets().ToList();
        Assert.InRange(buckets.Count, 2, 1440);
        Assert.Equal(30, buckets.Sum(b => b.Bytes));
    }

    [Fact]
    public void Sheets_hold_at_most_their_limit_and_say_how_many_were_left_out()
    {
        var report = new FlowReport(new FlowReportOptions { SheetRowLimit = 10 });
        for (int i = 0; i < 25; i++) report.AddObject(new Uri($"https://example.test/{i}"));
        var sheet = report.Complete().Sheets.Single(t => t.Name == "Uri");
        Assert.Equal(10, sheet.Rows.Count);
        Assert.Equal(25, sheet.OfferedRows);
        Assert.True(sheet.IsTruncated);
    }

    [Fact]
    public void Options_out_of_range_are_refused_by_name()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new FlowReport(new FlowReportOptions { FlowListLimit = ExcelLimits.MaxDataRows + 1 }));
        Assert.Equal("FlowListLimit", e.ParamName);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new FlowReport(new FlowReportOptions { TimelineHostsPerHour = -1 }));
        Assert.Equal("TimelineHostsPerHour", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new FlowReport(new FlowReportOptions { Top = 0 }));
    }

    [Fact]
    public void A_report_saved_over_an_existing_file_without_overwrite_leaves_it_alone()
    {
        string path = Path.Combine(_dir, "x.xlsx");
        File.WriteAllText(path, "keep");
        var report = new FlowReport();
        report.AddFlow(new FlowRecord { Start = CmdletKit.T0, End = CmdletKit.T0, Bytes = 1, Packets = 1 });
        Assert.Throws<IOException>(() => report.Save(path, overwrite: false));
        Assert.Equal("keep", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void A_cancelled_save_leaves_no_temporary_file_and_the_previous_workbook()
    {
        string path = Path.Combine(_dir, "case.xlsx");
        File.WriteAllText(path, "keep");
        var report = new FlowReport();
        report.AddFlow(new FlowRecord { Start = CmdletKit.T0, End = CmdletKit.T0, Bytes = 1, Packets = 1 });
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => report.Save(path, overwrite: true, cancel.Token));
        Assert.Equal("keep", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_dir));
        var again = new FlowReport();
        again.AddFlow(new FlowRecord { Start = CmdletKit.T0, End = CmdletKit.T0, Bytes = 1, Packets = 1 });
        again.Save(path, overwrite: true);
        Assert.Equal([path], Directory.GetFiles(_dir));
        Assert.NotEqual("keep", File.ReadAllText(path));
    }

    [Fact]
    public void Sheet_and_table_names_are_made_valid_and_unique()
    {
        var report = new FlowReport();
        report.AddRecord("a/b:c*?[x]", ["V"], [1]);
        report.AddRecord("A/B:C*?[X]", ["V"], [2]);   // same name, other case: the same sheet
        report.AddRecord(new string('N', 40), ["V"], [3]);
        string path = Path.Combine(_dir, "names.xlsx");
        report.Save(path, overwrite: false);
        using var wb = new WorkbookReader(path);
        Assert.Contains("a_b_c___x_", wb.SheetNames);
        Assert.Contains(new string('N', 31), wb.SheetNames);
        Assert.Equal(2, wb.Table("a_b_c___x_").Rows.Count);
    }

    /// <summary>A finding of the hunt below: flat, as every hunt's, and on the common contract.</summary>
    public sealed record LargeFlowFinding(DateTime FirstSeen, DateTime LastSeen, string Host, string DstAddr, long Bytes, double Score, string Reason) : IHuntFinding
    {
        public string Kind => "LargeFlow";
        public string Technique => "T1048";
    }

    /// <summary>A hunt written outside the engine: flows over 90,000 bytes.</summary>
    private sealed class LargeFlowHunt : IHunt<LargeFlowFinding>
    {
        private readonly List<LargeFlowFinding> _found = [];
        private sealed record Settings : HuntOptions;
        public string Title => "Large flows";
        public string Description => "flows over 90,000 bytes";
        public Type FindingType => typeof(LargeFlowFinding);
        public HuntOptions Options { get; } = new Settings();
        public long FlowCount { get; private set; }
        public string Summary => $"{FlowCount} flows";
        public IReadOnlyList<string> BoundsReached => [];

        public void Add(FlowRecord f)
        {
            FlowCount++;
            if (f.Bytes > 90_000) _found.Add(new(f.Start, f.End, f.SrcAddr!.ToString(), f.DstAddr!.ToString(), f.Bytes, 0.9, $"{f.Bytes:N0} bytes in one flow"));
        }

        public IReadOnlyList<LargeFlowFinding> GetFindings() => _found;

        IReadOnlyList<IHuntFinding> IHunt.GetFindings() => _found;
    }

    [Fact]
    public void A_hunt_on_the_contract_plugs_into_the_report_and_gets_a_sheet_and_timeline_rows()
    {
        var flows = CmdletKit.RandomFlows(2_000, seed: 11, CmdletKit.T0, TimeSpan.FromHours(1));
        var report = new FlowReport(new FlowReportOptions { TimelineHostsPerHour = 0 }, [new LargeFlowHunt()]);
        foreach (var f in flows) report.AddFlow(f);
        var wb = report.Complete();
        var expected = flows.Where(f => f.Bytes > 90_000).ToList();
        Assert.NotEmpty(expected);
        var sheet = wb.Sheets.Single(t => t.Name == "Large flows");
        // a finding's lead columns come first (what, who, how sure, when, why), then the rest in declaration order
        Assert.Equal(["Kind", "Technique", "Host", "DstAddr", "Score", "FirstSeen", "LastSeen", "Reason", "Bytes"], sheet.Columns.Select(c => c.Name));
        Assert.Equal(expected.Select(f => f.Bytes), sheet.Rows.Select(r => (long)r[8]!));
        var timeline = wb.Sheets.Single(t => t.Name == "Timeline");
        Assert.Equal(expected.Count, timeline.Rows.Count);   // no host activity (0 per hour), every finding
        int kind = FlowReport.TimelineColumns.Select(c => c.Name).ToList().IndexOf("Kind");
        Assert.All(timeline.Rows, r => Assert.Equal("Large flows", r[kind]));
        Assert.Equal(expected.Select(f => f.Start).Order(), timeline.Rows.Select(r => (DateTime)r[0]!));
        Assert.Equal(["Traffic", "Top talkers", "Top ports", "Top conversations", "Large flows", "Timeline", "Evidence"], wb.Sheets.Select(t => t.Name));
    }

    [Fact]
    public void The_report_runs_its_hunts_with_the_settings_it_is_given()
    {
        // The tour's admin workstation (demo: 10.20.0.7) is the first hop of the lateral movement unless excluded.
        var flows = CmdletKit.RandomFlows(500, seed: 5, CmdletKit.T0, TimeSpan.FromMinutes(10));
        var defaults = new FlowReport(new FlowReportOptions());
        var strict = new FlowReport(new FlowReportOptions { Hunts = new HuntSettings { MinimumScore = 1.0, Exclusion = FlowExclusion.Parse(["0.0.0.0/0", "::/0"]) } });
        foreach (var f in flows)
        {
            defaults.AddFlow(f);
            strict.AddFlow(f);
        }
        var hunts = strict.Complete().Sheets.Where(t => t.Name is "Beacons" or "Exfiltration" or "Scans" or "Lateral movement").ToList();
        Assert.Equal(4, hunts.Count);
        Assert.All(hunts, t => Assert.Empty(t.Rows));
        Assert.All(hunts, t => Assert.Contains("at least 1", t.Note));
        Assert.Contains(defaults.Complete().Sheets, t => t.Name == "Beacons" && t.Note!.Contains("at least 0.5"));
    }
}
