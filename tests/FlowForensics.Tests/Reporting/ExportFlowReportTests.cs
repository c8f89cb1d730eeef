using System.Management.Automation;
using DocumentFormat.OpenXml.Spreadsheet;
using FlowForensics.Analysis.TopN;
using FlowForensics.Flows;
using FlowForensics.Storage;
using FlowForensics.Tests.Hosting;
using Xunit;
using C = DocumentFormat.OpenXml.Drawing.Charts;

namespace FlowForensics.Tests.Reporting;

/// <summary>
/// Export-FlowReport end to end: the demo capture's flows and some findings through the cmdlet, the workbook read
/// back with the Open XML SDK and compared with what the other cmdlets say about the same flows.
/// </summary>
public sealed class ExportFlowReportTests : IDisposable
{
    private const int FlowLimit = 500;
    private static readonly string Demo = Path.Combine(RepoPaths.ModuleFolder, "Samples", "demo.pcap");
    private readonly string _dir = Directory.CreateTempSubdirectory("ff-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Formula-like texts and what the workbook must store for each.</summary>
    public static readonly (string Reason, string Stored)[] FormulaTexts =
    [
        ("=HYPERLINK(\"http://203.0.113.5/x\",\"click\")", "'=HYPERLINK(\"http://203.0.113.5/x\",\"click\")"),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(1,2)", "'@SUM(1,2)"),
        ("\tleading tab", "'\tleading tab"),
        ("\rleading CR", "'\rleading CR"),
        ("a plain sentence = fine", "a plain sentence = fine"),
    ];

    private const string FindingsScript = """
        $base = [datetime]::new(2026, 1, 15, 9, 3, 0, [DateTimeKind]::Utc)
        $i = 0
        $findings = foreach ($t in $texts) {
            $i++
            [pscustomobject]@{
                PSTypeName = 'Test.Hunt.BeaconFinding'
                FirstSeen  = $base.AddSeconds($i)
                LastSeen   = $base.AddSeconds($i + 60)
                SrcAddr    = "10.20.0.$i"
                DstAddr    = '203.0.113.5'
                DstPort    = 443
                Bytes      = [long](1000 * $i)
                Score      = 0.5 + $i / 100
                Interval   = [timespan]::FromSeconds(30 + $i)
                Reason     = $t
            }
        }
        """;

    [Fact]
    public void The_workbook_holds_the_same_rows_types_formats_tables_panes_chart_and_neutralised_text()
    {
        string book = Path.Combine(_dir, "case.xlsx");
        using var s = PsSession.WithModule();
        s.SetVariable("demo", Demo);
        s.SetVariable("book", book);
        s.SetVariable("texts", FormulaTexts.Select(t => t.Reason).ToArray());
        s.Invoke(FindingsScript + """

            $global:flows = @(Convert-PcapToFlow -Path $demo)
            $global:findings = $findings
            $global:file = @($flows) + @($findings) | Export-FlowReport -Path $book -FlowLimit 500 -Title 'Demo =case' -PassThru
            """);
        Assert.False(s.HadErrors, string.Join("; ", s.Errors));
        var file = Assert.IsType<FileInfo>(s.Invoke("$file")[0].BaseObject);
        Assert.Equal(book, file.FullName);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
        var flows = s.Invoke("$flows").Select(o => (FlowRecord)o.BaseObject).ToList();
        var top = s.Invoke("$flows | Measure-FlowTopN -Property Address -OrderBy Bytes -Top 20").Select(o => (TopNRow)o.BaseObject).ToList();
        // the report's Top ports count flows towards the service side (destination port not above the source port)
        s.SetVariable("towards", flows.Where(FlowForensics.Reporting.ReportAnalysis.TowardsService).ToArray());
        var ports = s.Invoke("$towards | Measure-FlowTopN -Property DstPort -Top 20").Select(o => (TopNRow)o.BaseObject).ToList();
        Assert.True(flows.Count > FlowLimit, $"the demo has {flows.Count} flows; the test needs more than {FlowLimit}");

        using var wb = new WorkbookReader(book);
        Assert.Equal(["Summary", "Traffic", "Top talkers", "Top ports", "Top conversations", "Beacons", "Exfiltration", "Scans", "Lateral movement", "BeaconFinding", "Timeline", "Flows", "Evidence"], wb.SheetNames);

        // Top talkers: the same rows as Measure-FlowTopN, typed and formatted
        var (talkersTable, talkers) = wb.Table("Top talkers");
        Assert.Equal(top.Count, talkers.Count);
        for (int i = 0; i < top.Count; i++)
        {
            var row = talkers[i];
            Assert.Equal(top[i].Rank, row["Rank"].AsLong);
            Assert.Equal(top[i].Address, row["Address"].Text);
            Assert.Equal("s", row["Address"].Type);
            Assert.Equal(top[i].Bytes, row["Bytes"].AsLong);
            Assert.Equal("#,##0", row["Bytes"].Format);
            Assert.Equal(top[i].Packets, row["Packets"].AsLong);
            Assert.Equal("#,##0", row["Packets"].Format);
            Assert.Equal(top[i].Flows, row["Flows"].AsLong);
            Assert.Equal(top[i].BytesPercent / 100, row["Bytes %"].Number!.Value, 12);
            Assert.Equal("0.00%", row["Bytes %"].Format);
            Assert.Equal(top[i].FirstSeen, row["First seen"].AsDateTime, TimeSpan.FromMilliseconds(1));
            Assert.Equal("yyyy-mm-dd hh:mm:ss.000", row["First seen"].Format);
            Assert.Equal(top[i].Duration.TotalDays, row["Duration"].Number!.Value, 9);
            Assert.Equal("[h]:mm:ss.000", row["Duration"].Format);
        }
        // unused key columns are left out, and so is the Key text that repeats the key column
        Assert.DoesNotContain(talkersTable.TableColumns!.Elements<TableColumn>(), c => c.Name!.Value is "Source address" or "Key");

        var (_, portRows) = wb.Table("Top ports");
        Assert.Equal(ports.Select(p => (long)p.DstPort!.Value), portRows.Select(r => r["Destination port"].AsLong));
        Assert.All(portRows, r => Assert.Equal("0", r["Destination port"].Format));   // a port has no thousands separator
        Assert.DoesNotContain(40825L, portRows.Select(r => r["Destination port"].AsLong));   // the demo scanner's source port, which every refused probe answers

        // every data sheet: one real table over header and rows, with autofilter, style, and a frozen header row
        foreach (string sheet in wb.SheetNames.Skip(1))
        {
            var part = wb.Part(sheet);
            var table = Assert.Single(part.TableDefinitionParts).Table;
            Assert.Equal(table.Reference!.Value, table.AutoFilter!.Reference!.Value);
            Assert.Equal("TableStyleMedium2", table.TableStyleInfo!.Name!.Value);
            var header = wb.Rows(sheet)[0];
            Assert.Equal(1u, header.Row);
            Assert.Equal(table.TableColumns!.Elements<TableColumn>().Select(c => c.Name!.Value), header.Cells.OrderBy(c => c.Key.Length).ThenBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Value.Text));
            var pane = part.Worksheet.Descendants<Pane>().Single();
            Assert.Equal(PaneStateValues.Frozen, pane.State!.Value);
            Assert.Equal(1d, pane.VerticalSplit!.Value);
            Assert.Equal("A2", pane.TopLeftCell!.Value);
            var widths = part.Worksheet.Descendants<Column>().ToList();
            Assert.Equal(table.TableColumns.Elements<TableColumn>().Count(), widths.Count);
            Assert.All(widths, c => Assert.InRange(c.Width!.Value, 6, 72));
            // printed landscape, one page wide, the header row on every page
            var setup = part.Worksheet.GetFirstChild<PageSetup>()!;
            Assert.Equal(OrientationValues.Landscape, setup.Orientation!.Value);
            Assert.Equal(1u, setup.FitToWidth!.Value);
            Assert.Equal(0u, setup.FitToHeight!.Value);
            Assert.Equal($"'{sheet}'!$1:$1", wb.DefinedName("_xlnm.Print_Titles", sheet));
        }
        Assert.Equal(3, wb.Part("Summary").TableDefinitionParts.Count());
        Assert.Equal(wb.Part("Summary").TableDefinitionParts.Count() + wb.SheetNames.Count - 1,
            wb.SheetNames.SelectMany(n => wb.Part(n).TableDefinitionParts).Select(t => t.Table.Id!.Value).Distinct().Count());

        // traffic: buckets of one minute that add up to every byte, and a line chart over them
        var (_, traffic) = wb.Table("Traffic");
        long allBytes = flows.Sum(f => f.Bytes + f.OutBytes);
        Assert.Equal(allBytes, traffic.Sum(r => r["Bytes"].AsLong));   // spread over each flow's duration, every byte kept
        Assert.Equal(flows.Sum(f => f.Packets + f.OutPackets), traffic.Sum(r => r["Packets"].AsLong));
        Assert.Equal(flows.Sum(f => f.Flows), traffic.Sum(r => r["Flows"].AsLong));
        var minutes = traffic.Select(r => r["Time"].AsDateTime).ToList();
        Assert.Equal(new DateTime(flows.Min(f => f.Start).Ticks / TimeSpan.TicksPerMinute * TimeSpan.TicksPerMinute, DateTimeKind.Utc), minutes[0], TimeSpan.FromMilliseconds(1));
        for (int i = 1; i < minutes.Count; i++) Assert.InRange((minutes[i] - minutes[i - 1]).TotalMilliseconds, 59_999, 60_001);
        var chart = wb.Chart("Traffic");
        Assert.NotNull(chart);
        var series = Assert.Single(chart!.Descendants<C.LineChartSeries>());
        Assert.Equal($"'Traffic'!$B$2:$B${traffic.Count + 1}", series.GetFirstChild<C.Values>()!.Descendants<C.Formula>().Single().Text);
        Assert.Equal($"'Traffic'!$A$2:$A${traffic.Count + 1}", series.GetFirstChild<C.CategoryAxisData>()!.Descendants<C.Formula>().Single().Text);
        Assert.Equal(traffic.Count, series.GetFirstChild<C.Values>()!.Descendants<C.NumericPoint>().Count());
        Assert.Null(wb.Chart("Top talkers"));

        // findings: one sheet named after the type, values typed, formula text neutralised
        var (_, findings) = wb.Table("BeaconFinding");
        Assert.Equal(FormulaTexts.Length, findings.Count);
        for (int i = 0; i < FormulaTexts.Length; i++)
        {
            Assert.Equal(FormulaTexts[i].Stored, findings[i]["Reason"].Text);
            Assert.Equal($"10.20.0.{i + 1}", findings[i]["Source address"].Text);
            Assert.Equal(443, findings[i]["Destination port"].AsLong);
            Assert.Equal(1000L * (i + 1), findings[i]["Bytes"].AsLong);
            Assert.Equal("#,##0", findings[i]["Bytes"].Format);
            Assert.Equal(0.5 + (i + 1) / 100.0, findings[i]["Score"].Number!.Value, 12);
            Assert.Equal(new DateTime(2026, 1, 15, 9, 3, i + 1, DateTimeKind.Utc), findings[i]["First seen"].AsDateTime, TimeSpan.FromMilliseconds(1));
            Assert.Equal(TimeSpan.FromSeconds(31 + i).TotalDays, findings[i]["Interval"].Number!.Value, 9);
            Assert.Equal("[h]:mm:ss.000", findings[i]["Interval"].Format);
        }

        // the timeline: every finding (piped, and the standard hunts') and each hour's busiest hosts, in time order
        var (_, timeline) = wb.Table("Timeline");
        string[] huntSheets = ["Beacons", "Exfiltration", "Scans", "Lateral movement"];
        int huntRows = huntSheets.Sum(name => wb.Table(name).Rows.Count(r => !r.ContainsKey("Result")));
        var activity = timeline.Where(r => r["Kind"].Text == "Activity").ToList();
        Assert.Equal(FormulaTexts.Length + huntRows + activity.Count, timeline.Count);
        Assert.Equal(FormulaTexts.Length, timeline.Count(r => r["Kind"].Text == "BeaconFinding"));
        var times = timeline.Select(r => r["Time"].AsDateTime).ToList();
        for (int i = 1; i < times.Count; i++) Assert.True(times[i] >= times[i - 1], $"timeline row {i + 2} is earlier than the row above it");
        // the demo is one hour: its 10 busiest sources by bytes, then the rest in one row, whose flows add up to all
        var busiest = flows.GroupBy(f => f.SrcAddr!.ToString()).Select(g => (Host: g.Key, Bytes: g.Sum(f => f.Bytes + f.OutBytes)))
            .OrderByDescending(h => h.Bytes).Take(10).ToList();
        Assert.Equal(busiest.Select(h => h.Host).Order(), activity.Select(r => r["Host"].Text).Where(h => !h.EndsWith("other hosts", StringComparison.Ordinal)).Order());
        Assert.Equal(flows.Sum(f => f.Flows), activity.Sum(r => r["Flows"].AsLong));
        var top1 = activity.Single(r => r["Host"].Text == busiest[0].Host);
        Assert.Equal(busiest[0].Bytes, top1["Bytes"].AsLong);
        Assert.StartsWith("rank 1 of ", top1["Detail"].Text, StringComparison.Ordinal);
        var beacon = timeline.Where(r => r["Kind"].Text == "BeaconFinding").ToList();
        Assert.Equal(FormulaTexts.Select(t => t.Stored), beacon.Select(r => r["Detail"].Text));
        Assert.Equal("203.0.113.5", beacon[0]["Peer"].Text);
        Assert.Equal("10.20.0.1", beacon[0]["Host"].Text);

        // the flow list (-FlowLimit): the earliest 500 flows in start order
        var (_, listedFlows) = wb.Table("Flows");
        var listed = listedFlows.Select(r => r["Start"].AsDateTime).ToList();
        var earliest = flows.Select(f => f.Start).Order().Take(FlowLimit).ToList();
        Assert.Equal(FlowLimit, listed.Count);
        Assert.Equal(earliest.Last(), listed.Last(), TimeSpan.FromMilliseconds(1));

        // the summary: totals, version, parameters, and what was left out
        var (_, summary) = wb.Table("Summary", "tblSummary");
        var items = summary.ToDictionary(r => r["Item"].Text, r => r["Value"]);
        Assert.Equal("Demo =case", items["Case"].Text);   // '=' inside the text is harmless
        Assert.Equal(flows.Count, items["Flow records"].AsLong);
        Assert.Equal(allBytes, items["Bytes (both directions)"].AsLong);
        Assert.Equal("#,##0", items["Bytes (both directions)"].Format);
        Assert.Equal(flows.Min(f => f.Start), items["First flow start (UTC)"].AsDateTime, TimeSpan.FromMilliseconds(1));
        Assert.Equal("yyyy-mm-dd hh:mm:ss.000", items["First flow start (UTC)"].Format);
        Assert.Equal("[h]:mm:ss.000", items["Time span"].Format);
        string version = typeof(FlowRecord).Assembly.GetName().Version!.ToString(3);
        Assert.Equal($"FlowForensics {version}", items["Written by"].Text);
        Assert.Equal("500", items["Parameter -FlowLimit"].Text);
        var (_, sheets) = wb.Table("Summary", "tblSheets");
        Assert.Equal(timeline.Count, sheets.Single(r => r["Sheet"].Text == "Timeline")["Rows"].AsLong);
        var flowSheet = sheets.Single(r => r["Sheet"].Text == "Flows");
        Assert.Equal(FlowLimit, flowSheet["Rows"].AsLong);
        Assert.Contains($"the earliest 500; {flows.Count - FlowLimit:N0} later flows are counted", flowSheet["Contents"].Text, StringComparison.Ordinal);
        var (_, evidence) = wb.Table("Summary", "tblEvidencefiles");
        Assert.Empty(evidence);   // flows from the pipeline name no file
    }

    [Fact]
    public void Flow_files_are_listed_as_evidence_with_their_SHA256_and_analysed()
    {
        string flowsDir = Path.Combine(_dir, "flows");
        string book = Path.Combine(_dir, "files.xlsx");
        using var s = PsSession.WithModule();
        s.SetVariable("demo", Demo);
        s.SetVariable("flowsDir", flowsDir);
        s.SetVariable("book", book);
        s.Invoke("""
            Convert-PcapToFlow -Path $demo -OutputDirectory $flowsDir -RotateEvery 00:05:00
            Export-FlowReport -FlowPath $flowsDir -Path $book -Filter 'proto tcp'
            """);
        Assert.False(s.HadErrors, string.Join("; ", s.Errors));
        var infos = s.Invoke("Get-FlowFileInfo -Path $flowsDir").Select(o => (FlowFileInfo)o.BaseObject).ToList();
        var tcp = s.Invoke("Get-FlowRecord -Path $flowsDir -Filter 'proto tcp'").Select(o => (FlowRecord)o.BaseObject).ToList();
        var top = s.Invoke("Measure-FlowTopN -Path $flowsDir -Filter 'proto tcp' -Property Conversation -OrderBy Bytes -Top 20").Select(o => (TopNRow)o.BaseObject).ToList();
        Assert.True(infos.Count >= 2, "the demo spans several 5-minute files");

        using var wb = new WorkbookReader(book);
        var (_, evidence) = wb.Table("Evidence");
        Assert.Equal(infos.Select(i => (i.Path, i.Sha256, (long)i.Length)), evidence.Select(r => (r["Path"].Text, r["SHA-256"].Text, r["Length"].AsLong)));
        var (_, listedOnSummary) = wb.Table("Summary", "tblEvidencefiles");
        Assert.Equal(infos.Select(i => (i.Path, i.Sha256, (long)i.Flows)), listedOnSummary.Select(r => (r["File"].Text, r["SHA-256"].Text, r["Flows"].AsLong)));
        Assert.All(infos, i => Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(i.Path))), i.Sha256));
        var items = wb.Table("Summary", "tblSummary").Rows.ToDictionary(r => r["Item"].Text, r => r["Value"]);
        Assert.Equal(tcp.Count, items["Flow records"].AsLong);
        Assert.Equal(infos.Count, items["Evidence files"].AsLong);
        Assert.Equal("proto tcp", items["Parameter -Filter"].Text);
        var (_, conversations) = wb.Table("Top conversations");
        Assert.Equal(top.Select(t => (t.SrcAddr!, t.DstAddr!, (long?)t.SrcPort, (long?)t.DstPort, t.Bytes)),
            conversations.Select(r => (r["Source address"].Text, r["Destination address"].Text, (long?)r["Source port"].AsLong, (long?)r["Destination port"].AsLong, r["Bytes"].AsLong)));
        Assert.False(wb.SheetNames.Contains("Flows"), "without -IncludeFlows or -FlowLimit the workbook lists no single flow");
        var (_, timeline) = wb.Table("Timeline");
        Assert.Equal(tcp.Sum(f => f.Flows), timeline.Where(r => r["Kind"].Text == "Activity").Sum(r => r["Flows"].AsLong));
        // the standard hunts ran over the same flows: the demo's planted beacon and exfiltration are on their sheets
        var (_, beacons) = wb.Table("Beacons");
        Assert.Contains(beacons, r => r["Host"].Text == "10.20.1.23" && r["Destination address"].Text == "203.0.113.50");
        var (_, exfiltration) = wb.Table("Exfiltration");
        Assert.Contains(exfiltration, r => r["Host"].Text == "10.20.0.26");
    }

    [Fact]
    public void Top_rows_and_plain_objects_from_the_pipeline_get_sheets_of_their_own()
    {
        string book = Path.Combine(_dir, "objects.xlsx");
        using var s = PsSession.WithModule();
        s.SetVariable("demo", Demo);
        s.SetVariable("book", book);
        s.Invoke("""
            $flows = @(Convert-PcapToFlow -Path $demo)
            $rows = @($flows | Measure-FlowTopN -Property SrcAddr, DstPort -OrderBy Bytes -Top 7)
            @($rows) + @('-plain text', 42) | Export-FlowReport -Path $book
            """);
        Assert.False(s.HadErrors, string.Join("; ", s.Errors));
        using var wb = new WorkbookReader(book);
        Assert.Contains("Top SrcAddr+DstPort", wb.SheetNames);
        var (_, rows) = wb.Table("Top SrcAddr+DstPort");
        Assert.Equal(7, rows.Count);
        Assert.All(rows, r => Assert.True(r.ContainsKey("Source address") && r.ContainsKey("Destination port")));
        var (_, strings) = wb.Table("String");
        Assert.Equal("'-plain text", Assert.Single(strings)["Value"].Text);
        var (_, ints) = wb.Table("Int32");
        Assert.Equal(42, Assert.Single(ints)["Value"].AsLong);
        // no flows: the flow sheets are there, empty, and the summary says so
        var (_, timeline) = wb.Table("Timeline");
        Assert.Empty(timeline);
        Assert.Equal(0, wb.Table("Summary", "tblSummary").Rows.Single(r => r["Item"].Text == "Flow records")["Value"].AsLong);
    }

    [Fact]
    public void An_existing_workbook_needs_Force_and_WhatIf_writes_nothing()
    {
        string book = Path.Combine(_dir, "exists.xlsx");
        File.WriteAllText(book, "not a workbook");
        using var s = PsSession.WithModule();
        s.SetVariable("demo", Demo);
        s.SetVariable("book", book);
        s.Invoke("Convert-PcapToFlow -Path $demo | Export-FlowReport -Path $book");
        var e = Assert.Single(s.Errors);
        Assert.Equal("OutputExists,FlowForensics.PowerShell.Commands.ExportFlowReportCommand", e.FullyQualifiedErrorId);
        Assert.Equal(book, e.TargetObject);
        Assert.Equal("not a workbook", File.ReadAllText(book));

        s.Invoke("Convert-PcapToFlow -Path $demo | Export-FlowReport -Path $book -Force -WhatIf");
        Assert.Equal("not a workbook", File.ReadAllText(book));

        s.Invoke("Convert-PcapToFlow -Path $demo | Export-FlowReport -Path $book -Force");
        Assert.False(s.HadErrors, string.Join("; ", s.Errors));
        using (var wb = new WorkbookReader(book)) Assert.Equal("Summary", wb.SheetNames[0]);
        Assert.Single(Directory.GetFiles(_dir));   // no temporary file left
    }
}
