using System.Diagnostics;
using System.Management.Automation;
using System.Net;
using System.Net.Sockets;
using FlowForensics.Flows;
using FlowForensics.Tests.Hosting;
using Xunit;

namespace FlowForensics.Tests.Cmdlets;

/// <summary>Convert-PcapToFlow through a real hosted pipeline: live capture on loopback, stopping, progress.</summary>
public sealed class ConvertPcapToFlowCommandTests
{
    private static readonly string BigCapture = SharedData.Path("data", "pcap", "zeek", "echo-connections.pcap");

    [Fact]
    public void Live_capture_on_loopback_meters_what_was_sent()
    {
        const int port = 47_123;
        const int payload = 100;
        using PsSession s = PsSession.WithModule();
        RunningScript run = s.BeginInvoke($"Convert-PcapToFlow -Interface lo -CaptureFilter 'udp and dst port {port}' -Duration 00:00:04");

        int sent = SendUdp(port, payload, count: 40, gap: TimeSpan.FromMilliseconds(50), out int sourcePort);
        FlowRecord[] flows = [.. run.End().Select(o => (FlowRecord)o.BaseObject)];

        Assert.True(run.State == PSInvocationState.Completed, string.Join("\n", s.Errors));
        FlowRecord flow = Assert.Single(flows);
        Assert.Equal(IPAddress.Loopback, flow.SrcAddr);
        Assert.Equal(IPAddress.Loopback, flow.DstAddr);
        Assert.Equal(sourcePort, flow.SrcPort);
        Assert.Equal(port, flow.DstPort);
        Assert.Equal(17, flow.Protocol);
        // The capture opens while the first datagrams are on their way: most, not necessarily all, are seen.
        Assert.InRange(flow.Packets, sent / 2, sent);
        Assert.Equal(flow.Packets * (20 + 8 + payload), flow.Bytes);
        Assert.True(flow.End >= flow.Start);
    }

    [Fact]
    public void Live_capture_stops_at_the_packet_count()
    {
        const int port = 47_124;
        using PsSession s = PsSession.WithModule();
        RunningScript run = s.BeginInvoke($"Convert-PcapToFlow -Interface lo -CaptureFilter 'udp and dst port {port}' -PacketCount 5 -Duration 00:00:20");
        var clock = Stopwatch.StartNew();
        SendUdp(port, 10, count: 60, gap: TimeSpan.FromMilliseconds(50), out _);
        FlowRecord[] flows = [.. run.End().Select(o => (FlowRecord)o.BaseObject)];

        Assert.True(run.State == PSInvocationState.Completed, string.Join("\n", s.Errors));
        Assert.Equal(5, flows.Sum(f => f.Packets));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "the capture ran to its -Duration instead of stopping at -PacketCount");
    }

    [Fact]
    public void An_unknown_interface_is_a_terminating_error_that_lists_the_interfaces()
    {
        using PsSession s = PsSession.WithModule();
        Assert.Empty(s.Invoke("Convert-PcapToFlow -Interface no-such-if0 -Duration 00:00:01"));
        ErrorRecord record = Assert.Single(s.Errors);
        Assert.StartsWith("LiveCaptureFailed,", record.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("no-such-if0", record.ToString(), StringComparison.Ordinal);
        Assert.Contains("lo", record.ErrorDetails.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_capture_filter_is_a_terminating_error_naming_the_filter()
    {
        using PsSession s = PsSession.WithModule();
        Assert.Empty(s.Invoke("Convert-PcapToFlow -Interface lo -CaptureFilter 'port banana' -Duration 00:00:01"));
        ErrorRecord record = Assert.Single(s.Errors);
        Assert.StartsWith("LiveCaptureFailed,", record.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("port banana", record.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Stopping_unwinds_promptly_after_flows_were_written()
    {
        using PsSession s = PsSession.WithModule();
        s.SetVariable("files", Enumerable.Repeat(BigCapture, 40).ToArray());
        RunningScript run = s.BeginInvoke("Convert-PcapToFlow -LiteralPath $files");
        Assert.True(run.WaitForOutput(1000, TimeSpan.FromSeconds(60)), "no flows came out");

        var clock = Stopwatch.StartNew();
        run.Stop();
        clock.Stop();

        Assert.Equal(PSInvocationState.Stopped, run.State);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {clock.Elapsed}");
        Assert.True(run.Output.Count >= 1000);
        Assert.All(run.Output, o => Assert.IsType<FlowRecord>(o.BaseObject));
    }

    [Fact]
    public void Progress_reports_bytes_read_of_the_total_and_completes()
    {
        using PsSession s = PsSession.WithModule();
        s.SetVariable("files", Enumerable.Repeat(BigCapture, 3).ToArray());
        int flows = s.Invoke("Convert-PcapToFlow -LiteralPath $files").Count;

        Assert.True(flows > 0);
        var progress = s.Progress;
        Assert.NotEmpty(progress);
        Assert.Equal(ProgressRecordType.Completed, progress[^1].RecordType);
        var percents = progress.Where(p => p.RecordType == ProgressRecordType.Processing).Select(p => p.PercentComplete).ToArray();
        Assert.NotEmpty(percents);
        Assert.All(percents, p => Assert.InRange(p, 0, 100));
        Assert.Equal(percents.OrderBy(p => p), percents);
        // Throttled to four a second: far fewer records than packet batches.
        Assert.True(progress.Count < 60, $"{progress.Count} progress records");
    }

    private static int SendUdp(int port, int payload, int count, TimeSpan gap, out int sourcePort)
    {
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        sourcePort = ((IPEndPoint)client.Client.LocalEndPoint!).Port;
        var data = new byte[payload];
        for (int i = 0; i < count; i++)
        {
            client.Send(data, data.Length, new IPEndPoint(IPAddress.Loopback, port));
            Thread.Sleep(gap);
        }
        return count;
    }
}
