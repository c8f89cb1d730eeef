using System.Net;
using DocumentFormat.OpenXml.Spreadsheet;
using FlowForensics.Flows;
using FlowForensics.Reporting;
using FlowForensics.Tests.Cmdlets;
using Xunit;

namespace FlowForensics.Tests.Reporting;

/// <summary>
/// The workbook as a person reads it, on screen and on paper: friendly headers, wrapped reasons with rows tall enough,
/// widths fitted to content, numbers' headers over numbers, printed pages that fit, milliseconds, the traffic spread
/// over each flow's duration, and the timeline as a summary of hosts and findings.
/// </summary>
public sealed class WorkbookLayoutTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ff-layout-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("SrcAddr", "Source address")]
    [InlineData("DstPort", "Destination port")]
    [InlineData("BytesOutPerConnection", "Bytes out per connection")]
    [InlineData("FlowsPercent", "Flows %")]
    [InlineData("FirstSeen", "First seen")]
    [InlineData("Sha256", "SHA-256")]
    [InlineData("MitreTechnique", "ATT&CK technique")]
    [InlineData("DNSQueries", "DNS queries")]
    [InlineData("SrcVlan", "Source VLAN")]
    [InlineData("Score", "Score")]
    [InlineData("Time span", "Time span")]
    public void Headers_are_words_a_reader_knows(string property, string header) => Assert.Equal(header, ReportHeaders.Friendly(property));

    [Theory]
    [InlineData("short", 20, 1)]
    [InlineData("one two three four five six", 10, 3)]   // 7 units a line: "one two" (5.7), "three four" (6.7), "five six" (5.35)
    [InlineData("a\nb\nc", 60, 3)]
    [InlineData("0123456789012345678901234567890123456789", 13, 4)]   // digits are one unit each: 10 a line
    [InlineData("/tmp/wb/case/nfcapd.202601150900", 30, 2)]   // a path of 27.95 units: two lines in a 30-wide column, as LibreOffice draws it
    public void Wrapped_text_takes_the_lines_a_word_wrap_gives(string text, double width, int lines) =>
        Assert.Equal(lines, ExcelWorkbookWriter.WrappedLines(text, width));

    [Fact]
    public void A_flows_bytes_are_spread_over_the_minutes_it_lasts_and_every_byte_is_kept()
    {
        var histogram = new TrafficHistogram();
        var start = CmdletKit.T0.AddSeconds(30);
        histogram.Add(start, start.AddMinutes(4), bytes: 4000, packets: 41, flows: 1);   // 09:00:30 .. 09:04:30
        var buckets = histogram.Buckets().ToList();
        Assert.Equal([500L, 1000L, 1000L, 1000L, 500L], buckets.Select(b => b.Bytes));
        Assert.Equal(41, buckets.Sum(b => b.Packets));
        Assert.Equal([1L, 0L, 0L, 0L, 0L], buckets.Select(b => b.Flows));   // a flow counts where it starts
        histogram.Add(start, start.AddSeconds(-5), 7, 1, 1);   // an end before the start counts as the start
        Assert.Equal(4007, histogram.Buckets().Sum(b => b.Bytes));
    }

    [Fact]
    public void Host_activity_lists_each_hours_busiest_sources_and_the_rest_together()
    {
        var activity = new HostActivity();
        var t = CmdletKit.T0;
        for (int h = 0; h < 12; h++)
        {
            for (int i = 0; i <= h; i++)   // host 10.0.0.h sends h+1 flows of 1000 bytes to port 443 (replies come back from 443)
            {
                var flow = new FlowRecord
                {
                    Start = t.AddMinutes(i), End = t.AddMinutes(i).AddSeconds(2), Protocol = 6, SrcAddr = IPAddress.Parse($"10.0.0.{h}"),
                    DstAddr = IPAddress.Parse($"192.0.2.{i}"), SrcPort = (ushort)(50000 + i), DstPort = 443, Packets = 2, Bytes = 1000,
                };
                activity.Add(flow, 2, 1000);
            }
        }
        activity.Add(new FlowRecord { Start = t.AddHours(1), End = t.AddHours(1), Protocol = 17, SrcAddr = IPAddress.Parse("10.0.0.1"), DstAddr = IPAddress.Parse("192.0.2.1"), SrcPort = 53, DstPort = 40000, Bytes = 90 }, 1, 90);
        var rows = activity.Rows(perHour: 3).ToList();
        var hour0 = rows.Where(r => ((DateTime)r[0]!) < t.AddHours(1)).ToList();
        Assert.Equal(["10.0.0.11", "10.0.0.10", "10.0.0.9", "9 other hosts"], hour0.Select(r => (string)r[3]!));
        Assert.Equal(12L, hour0[0][6]);
        Assert.Equal(12_000L, hour0[0][7]);
        Assert.Equal("12 destinations", hour0[0][4]);
        Assert.Contains("rank 1 of 12 sources", (string)hour0[0][8]!, StringComparison.Ordinal);
        Assert.Contains("most bytes on port 443", (string)hour0[0][8]!, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(1, 9).Sum() * 1L, hour0[3][6]);   // hosts 0..8: 1+2+...+9 flows
        var hour1 = Assert.Single(rows, r => ((DateTime)r[0]!) >= t.AddHours(1));
        Assert.Contains("most bytes on port 53", (string)hour1[8]!, StringComparison.Ordinal);   // a DNS answer counts for port 53, not 40000
        Assert.Empty(activity.Rows(perHour: 0));
    }

    [Fact]
    public void Findings_wrap_their_reasons_in_tall_enough_rows_and_wide_sheets_print_their_lead_columns()
    {
        var report = new FlowReport(new FlowReportOptions { TimelineHostsPerHour = 2 });
        var flows = CmdletKit.RandomFlows(500, seed: 5, CmdletKit.T0, TimeSpan.FromMinutes(30));
        foreach (var f in flows) report.AddFlow(f);
        string reason = string.Join(' ', Enumerable.Repeat("the host reached many ports within a minute and few of them answered;", 6));
        report.AddObject(new WideFinding("Scan", "10.0.0.9", 0.93, CmdletKit.T0, CmdletKit.T0.AddSeconds(0.25), reason, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18));
        string path = Path.Combine(_dir, "layout.xlsx");
        report.Save(path, overwrite: false);

        using var wb = new WorkbookReader(path);
        var (table, rows) = wb.Table("WideFinding");
        var headers = table.TableColumns!.Elements<TableColumn>().Select(c => c.Name!.Value).ToList();
        Assert.Equal(["Kind", "Host", "Score", "First seen", "Last seen", "Reason"], headers.Take(6));   // what, who, how sure, when, why
        Assert.Equal("Measure1", headers[6]);   // digits stay with their word (Sha256, Ipv4)
        // the reason wraps, at the wrap width, and its row is as tall as its lines
        var widths = wb.Part("WideFinding").Worksheet.Descendants<Column>().Select(c => c.Width!.Value).ToList();
        Assert.Equal(ExcelWorkbookWriter.WrapWidth, widths[5]);
        Assert.True(wb.StyleOf("WideFinding", "F2").Alignment?.WrapText?.Value, "the reason cell wraps");
        var row = wb.RowElement("WideFinding", 2);
        Assert.True(row.CustomHeight?.Value);
        Assert.Equal(ExcelWorkbookWriter.WrappedLines(reason, ExcelWorkbookWriter.WrapWidth - 2) * ExcelWorkbookWriter.LineHeight, row.Height!.Value);
        Assert.True(row.Height.Value >= 5 * ExcelWorkbookWriter.LineHeight, "six sentences take several lines");
        Assert.Equal(VerticalAlignmentValues.Top, wb.StyleOf("WideFinding", "A2").Alignment!.Vertical!.Value);
        // headers over numbers are right-aligned, over text left
        Assert.Equal(HorizontalAlignmentValues.Right, wb.StyleOf("WideFinding", "C1").Alignment!.Horizontal!.Value);
        Assert.Equal(HorizontalAlignmentValues.Left, wb.StyleOf("WideFinding", "B1").Alignment!.Horizontal!.Value);
        // the sheet is wider than a page: its print area is the leading columns that fit, reason included
        string area = wb.DefinedName("_xlnm.Print_Area", "WideFinding")!;
        Assert.StartsWith("'WideFinding'!$A:$", area, StringComparison.Ordinal);
        int printed = area[^1] - 'A' + 1;
        Assert.InRange(printed, 6, headers.Count - 1);
        Assert.True(widths.Take(printed).Sum() <= ExcelWorkbookWriter.PrintWidth);
        // milliseconds are shown: a quarter-second finding is not 0:00:00
        Assert.Equal("yyyy-mm-dd hh:mm:ss.000", rows[0]["Last seen"].Format);
        Assert.Equal(CmdletKit.T0.AddSeconds(0.25), rows[0]["Last seen"].AsDateTime, TimeSpan.FromMilliseconds(0.5));
        // a narrow sheet has no print area: everything prints
        Assert.Null(wb.DefinedName("_xlnm.Print_Area", "Traffic"));

        // the summary prints portrait on one page, its notes span the page
        var setup = wb.Part("Summary").Worksheet.GetFirstChild<PageSetup>()!;
        Assert.Equal(OrientationValues.Portrait, setup.Orientation!.Value);
        Assert.Equal((1u, 1u), (setup.FitToWidth!.Value, setup.FitToHeight!.Value));
        Assert.Contains(wb.Part("Summary").Worksheet.Descendants<MergeCell>(), m => m.Reference == "A2:C2");
        Assert.Equal(["Sheet", "Contents", "Rows"], wb.Table("Summary", "tblSheets").Table.TableColumns!.Elements<TableColumn>().Select(c => c.Name!.Value));
    }

    /// <summary>A finding wider than a page.</summary>
    public sealed record WideFinding(string Kind, string Host, double Score, DateTime FirstSeen, DateTime LastSeen, string Reason,
        long Measure1, long Measure2, long Measure3, long Measure4, long Measure5, long Measure6, long Measure7, long Measure8, long Measure9,
        long Measure10, long Measure11, long Measure12, long Measure13, long Measure14, long Measure15, long Measure16, long Measure17, long Measure18);
}
