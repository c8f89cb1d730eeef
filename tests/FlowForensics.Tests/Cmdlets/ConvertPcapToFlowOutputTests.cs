using System.Management.Automation;
using FlowForensics.Flows;
using FlowForensics.Storage;
using FlowForensics.Tests.Differential;
using FlowForensics.Tests.Hosting;
using Xunit;

namespace FlowForensics.Tests.Cmdlets;

/// <summary>Convert-PcapToFlow -OutputDirectory: rotated nfcapd files that Debian's nfdump reads as the same flows.</summary>
public sealed class ConvertPcapToFlowOutputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ff-out-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Capture(string name) => SharedData.Path("data", "pcap", "chrissanders", name);

    [Theory]
    [InlineData("http_espn.pcapng", "Lz4")]
    [InlineData("ip_frag_source.pcapng", "Lzo")]
    [InlineData("icmp_echo.pcapng", "None")]
    [InlineData("tcp_handshake.pcapng", "Bzip2")]
    public void Nfdump_reads_the_written_files_as_the_flows_the_pipeline_gets(string capture, string compression)
    {
        using PsSession s = PsSession.WithModule();
        s.SetVariable("capture", Capture(capture));
        s.SetVariable("out", _dir);
        FlowRecord[] piped = [.. s.Invoke("Convert-PcapToFlow -LiteralPath $capture").Select(o => (FlowRecord)o.BaseObject)];
        Assert.Empty(s.Invoke($"Convert-PcapToFlow -LiteralPath $capture -OutputDirectory $out -Compression {compression}"));
        Assert.Empty(s.Errors);

        string[] files = Directory.GetFiles(_dir);
        Assert.NotEmpty(files);
        Assert.All(files, f => Assert.True(FileRotation.TryParseFileName(Path.GetFileName(f), out _), $"{f} is not named like nfcapd's files"));
        var theirs = NfdumpFlowLoader.LoadDirectory(_dir).Select(Key).Order(StringComparer.Ordinal).ToArray();
        var ours = piped.Select(Key).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(ours, theirs);
    }

    [Fact]
    public void Files_rotate_by_flow_start_in_the_slot_given()
    {
        using PsSession s = PsSession.WithModule();
        s.SetVariable("capture", SharedData.Path("data", "pcap", "zeek", "echo-connections.pcap"));
        s.SetVariable("out", _dir);
        FlowRecord[] flows = [.. s.Invoke("Convert-PcapToFlow -LiteralPath $capture -OutputDirectory $out -RotateEvery 00:01:00 -PassThru")
            .Select(o => (FlowRecord)o.BaseObject)];

        Assert.NotEmpty(flows);
        var expectedNames = flows.Select(f => FileRotation.FileNameFor(FileRotation.SlotStart(f.Start, TimeSpan.FromMinutes(1)), TimeSpan.FromMinutes(1)))
            .Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(expectedNames, Directory.GetFiles(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(flows.Length, NfdumpFlowLoader.LoadDirectory(_dir).Count);
    }

    [Theory]
    [InlineData("'1m'")]
    [InlineData("60")]
    [InlineData("'60s'")]
    [InlineData("'0.5m30s'")]
    [InlineData("([timespan]'00:01:00')")]
    public void RotateEvery_takes_short_durations_and_seconds(string value)
    {
        using PsSession s = PsSession.WithModule();
        s.SetVariable("capture", SharedData.Path("data", "pcap", "zeek", "echo-connections.pcap"));
        s.SetVariable("out", _dir);
        FlowRecord[] flows = [.. s.Invoke($"Convert-PcapToFlow -LiteralPath $capture -OutputDirectory $out -RotateEvery {value} -PassThru")
            .Select(o => (FlowRecord)o.BaseObject)];

        Assert.Empty(s.Errors);
        var expectedNames = flows.Select(f => FileRotation.FileNameFor(FileRotation.SlotStart(f.Start, TimeSpan.FromMinutes(1)), TimeSpan.FromMinutes(1)))
            .Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(expectedNames, Directory.GetFiles(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_duration_that_is_not_one_names_the_forms_it_takes()
    {
        using PsSession s = PsSession.WithModule();
        s.SetVariable("capture", Capture("icmp_echo.pcapng"));
        s.SetVariable("out", _dir);
        s.Invoke("Convert-PcapToFlow -LiteralPath $capture -OutputDirectory $out -RotateEvery 5x");
        var error = Assert.Single(s.Errors);
        Assert.StartsWith("ParameterArgumentTransformationError,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("'5x' is not a duration. Use 30s, 5m, 1h", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void An_existing_file_needs_Force_and_WhatIf_writes_nothing()
    {
        using PsSession s = PsSession.WithModule();
        s.SetVariable("capture", Capture("tcp_handshake.pcapng"));
        s.SetVariable("out", _dir);

        Assert.Empty(s.Invoke("Convert-PcapToFlow -LiteralPath $capture -OutputDirectory $out -WhatIf"));
        Assert.Empty(Directory.GetFiles(_dir));

        s.Invoke("Convert-PcapToFlow -LiteralPath $capture -OutputDirectory $out");
        string file = Assert.Single(Directory.GetFiles(_dir));
        DateTime written = File.GetLastWriteTimeUtc(file);

        s.Invoke("Convert-PcapToFlow -LiteralPath $capture -OutputDirectory $out");
        ErrorRecord error = Assert.Single(s.Errors);
        Assert.StartsWith("OutputExists,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains(file, error.ToString(), StringComparison.Ordinal);
        Assert.Contains("-Force", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(written, File.GetLastWriteTimeUtc(file));
        Assert.Single(Directory.GetFiles(_dir));   // no temporary file left behind

        s.Invoke("Convert-PcapToFlow -LiteralPath $capture -OutputDirectory $out -Force");
        Assert.Empty(s.Errors);
        Assert.Equal(2, NfdumpFlowLoader.LoadDirectory(_dir).Count);
    }

    [Fact]
    public void Stopping_keeps_every_flow_read_so_far_in_the_files()
    {
        using PsSession s = PsSession.WithModule();
        s.SetVariable("files", Enumerable.Repeat(SharedData.Path("data", "pcap", "zeek", "echo-connections.pcap"), 40).ToArray());
        s.SetVariable("out", _dir);
        RunningScript run = s.BeginInvoke("Convert-PcapToFlow -LiteralPath $files -OutputDirectory $out -PassThru -ActiveTimeout 1 -InactiveTimeout 1");
        Assert.True(run.WaitForOutput(500, TimeSpan.FromSeconds(60)), "no flows came out");
        run.Stop();
        int seen = run.Output.Count;

        Assert.Equal(PSInvocationState.Stopped, run.State);
        string[] files = Directory.GetFiles(_dir);
        Assert.NotEmpty(files);
        Assert.All(files, f => Assert.True(FileRotation.TryParseFileName(Path.GetFileName(f), out _), $"{f} was left incomplete"));
        // Every flow that reached the pipeline is in the files, and so are the flows still open at the stop.
        Assert.True(NfdumpFlowLoader.LoadDirectory(_dir).Count > seen);
    }

    [Fact]
    public void Stopping_with_a_filter_saves_only_matching_flows()
    {
        using PsSession s = PsSession.WithModule();
        s.SetVariable("files", Enumerable.Repeat(SharedData.Path("data", "pcap", "zeek", "echo-connections.pcap"), 40).ToArray());
        s.SetVariable("out", _dir);
        RunningScript run = s.BeginInvoke("Convert-PcapToFlow -LiteralPath $files -OutputDirectory $out -PassThru -Filter 'dst port 7000'");
        Assert.True(run.WaitForOutput(200, TimeSpan.FromSeconds(60)), "no flows came out");
        run.Stop();

        Assert.Equal(PSInvocationState.Stopped, run.State);
        var saved = NfdumpFlowLoader.LoadDirectory(_dir);
        Assert.True(saved.Count >= 200);
        Assert.All(saved, f => Assert.Equal(7000, f.DstPort));
    }

    [Fact]
    public void A_rotation_slot_nfcapd_could_not_use_is_refused()
    {
        using PsSession s = PsSession.WithModule();
        s.SetVariable("capture", Capture("tcp_handshake.pcapng"));
        s.SetVariable("out", _dir);
        s.Invoke("Convert-PcapToFlow -LiteralPath $capture -OutputDirectory $out -RotateEvery 00:07:00");
        Assert.StartsWith("RotateEveryInvalid,", Assert.Single(s.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Theory]
    [InlineData("proto tcp and dst port 80")]
    [InlineData("src net 172.16.0.0/12 and not proto icmp")]
    [InlineData("packets > 3 or flags R")]
    [InlineData("port in [53 443] or bytes < 100")]
    public void Filter_passes_the_flows_nfdump_selects_with_the_same_filter(string filter)
    {
        using PsSession s = PsSession.WithModule();
        s.SetVariable("capture", Capture("http_espn.pcapng"));
        s.SetVariable("out", _dir);
        s.SetVariable("filter", filter);
        s.Invoke("Convert-PcapToFlow -LiteralPath $capture -OutputDirectory $out");
        FlowRecord[] ours = [.. s.Invoke("Convert-PcapToFlow -LiteralPath $capture -Filter $filter").Select(o => (FlowRecord)o.BaseObject)];
        Assert.Empty(s.Errors);

        string text = NfdumpTool.RunChecked(NfdumpTool.Nfdump, ["-R", _dir, "-q", "-N", "-o", "fmt:%ts|%sa|%da|%sp|%dp|%pr|%ipkt|%ibyt", filter]);
        string[] theirs = [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains('|'))
            .Select(l => string.Join('|', l.Split('|').Select(f => f.Trim()))).Order(StringComparer.Ordinal)];
        Assert.NotEmpty(theirs);
        Assert.Equal(theirs, ours.Select(f => $"{Ms(f.Start):yyyy-MM-dd HH:mm:ss.fff}|{f.SrcAddr}|{f.DstAddr}|{f.SrcPort}|{f.DstPort}|{f.Protocol}|{f.Packets}|{f.Bytes}")
            .Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_filter_syntax_error_stops_before_reading_and_points_at_the_column()
    {
        using PsSession s = PsSession.WithModule();
        s.SetVariable("capture", Capture("http_espn.pcapng"));
        Assert.Empty(s.Invoke("Convert-PcapToFlow -LiteralPath $capture -Filter 'proto tcp and dst prot 80'"));
        ErrorRecord error = Assert.Single(s.Errors);
        Assert.StartsWith("FilterSyntax,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        // pwsh draws the ~ under the record's position: the ParseError's column in the filter
        var parse = Assert.IsType<ParseException>(error.Exception);
        Assert.Equal(parse.Errors[0].Extent.StartColumnNumber, error.InvocationInfo.OffsetInLine);
        Assert.Equal("+ proto tcp and dst prot 80", error.InvocationInfo.PositionMessage.Split('\n')[1].TrimEnd('\r'));
        Assert.EndsWith("~", error.InvocationInfo.PositionMessage, StringComparison.Ordinal);
    }

    private static DateTime Ms(DateTime t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);

    private static string Key(FlowRecord f) =>
        // nfcapd keeps milliseconds.
        $"{Ms(f.Start):O}|{Ms(f.End):O}|{f.SrcAddr}|{f.DstAddr}|{f.SrcPort}|{f.DstPort}|{f.Protocol}|{f.Packets}|{f.Bytes}";
}
