using System.Diagnostics;
using System.Management.Automation;
using System.Net;
using System.Net.Sockets;
using FlowForensics.Flows;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Tests.Export;
using FlowForensics.Tests.Hosting;
using Xunit;

namespace FlowForensics.Tests.Cmdlets;

/// <summary>Start-FlowCollector in a hosted runspace on 127.0.0.1 with a system-chosen port (read from -Verbose, the ready signal).</summary>
public sealed class StartFlowCollectorTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ff-collector-" + Guid.NewGuid().ToString("N"));

    public StartFlowCollectorTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static dynamic Get(PSObject o, string name) => o.Properties[name].Value;

    private static int WaitForListening(RunningScript run)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(60))
        {
            // By index: PSDataCollection's indexer takes its lock, while ToArray() can race a record being added.
            var stream = run.PowerShell.Streams.Verbose;
            for (int i = 0; i < stream.Count; i++)
            {
                var v = stream[i];
                const string marker = "Listening on UDP 127.0.0.1:";
                int at = v.Message.IndexOf(marker, StringComparison.Ordinal);
                if (at >= 0)
                {
                    string rest = v.Message[(at + marker.Length)..];
                    int end = 0;
                    while (end < rest.Length && char.IsAsciiDigit(rest[end])) end++;
                    return int.Parse(rest[..end]);
                }
            }
            Thread.Sleep(20);
        }
        throw new TimeoutException("Start-FlowCollector did not report that it was listening.");
    }

    private List<string> FileKeys()
    {
        var records = new List<FlowRecord>();
        foreach (string f in Directory.GetFiles(_dir, "nfcapd.*"))
        {
            Assert.DoesNotContain(".tmp", Path.GetFileName(f));
            Assert.DoesNotContain(".current.", Path.GetFileName(f));
            using var reader = NfcapdFileReader.Open(f);
            records.AddRange(reader.ReadFlows());
        }
        var keys = CmdletKit.Keys(records);
        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    [Fact]
    public void Duration_stops_and_every_record_sent_is_in_complete_nfcapd_files()
    {
        var datagrams = FlowCollectorTests.Payloads("akvorado/data+templates.pcap", "akvorado/nfv5.pcap");
        var expected = FlowCollectorTests.DirectKeys(datagrams);
        Assert.NotEmpty(expected);
        using var s = PsSession.WithModule();
        s.SetVariable("dir", _dir);
        var run = s.BeginInvoke("Start-FlowCollector -Port 0 -ListenAddress 127.0.0.1 -Duration 00:00:05 -OutputDirectory $dir -Verbose");
        int port = WaitForListening(run);
        FlowCollectorTests.Send(port, datagrams);
        var output = run.End();
        var summary = Assert.Single(output);
        Assert.Equal("FlowForensics.PowerShell.Commands.FlowCollectorSummary", summary.BaseObject.GetType().FullName);
        Assert.Equal((long)datagrams.Count, (long)Get(summary, "Datagrams"));
        Assert.Equal((long)expected.Count, (long)Get(summary, "Records"));
        Assert.Equal((long)expected.Count, (long)Get(summary, "RecordsOutput"));
        Assert.Equal(0L, (long)Get(summary, "QueueDrops"));
        string[] files = ((string)Get(summary, "FilesWritten")).Split("; ");
        Assert.Equal((int)Get(summary, "FileCount"), files.Length);
        Assert.NotEmpty(files);
        Assert.All(files, f => Assert.True(File.Exists(f), f));
        Assert.Equal(expected, FileKeys());
    }

    [Fact]
    public void Stopping_the_pipeline_leaves_complete_readable_files_with_everything_received()
    {
        var datagrams = FlowCollectorTests.Payloads("akvorado/nfv5.pcap");
        var expected = FlowCollectorTests.DirectKeys(datagrams);
        using var s = PsSession.WithModule();
        s.SetVariable("dir", _dir);
        var run = s.BeginInvoke("Start-FlowCollector -Port 0 -ListenAddress 127.0.0.1 -OutputDirectory $dir -PassThru -Verbose");
        int port = WaitForListening(run);
        FlowCollectorTests.Send(port, datagrams);
        // Every record has reached the pipeline (and so the files' writer) before the stop.
        Assert.True(run.WaitForOutput(expected.Count, TimeSpan.FromSeconds(60)), $"{run.Output.Count} of {expected.Count} records arrived");
        run.Stop();
        Assert.Throws<PipelineStoppedException>(() => run.End());
        Assert.Equal(expected, FileKeys());
    }

    [Fact]
    public void Count_stops_after_that_many_records_and_Filter_selects_them()
    {
        var datagrams = FlowCollectorTests.Payloads("akvorado/nfv5.pcap");
        using var s = PsSession.WithModule();
        var run = s.BeginInvoke("Start-FlowCollector -Port 0 -ListenAddress 127.0.0.1 -Count 2 -Filter 'proto tcp' -Duration 00:01:00 -Verbose");
        int port = WaitForListening(run);
        FlowCollectorTests.Send(port, datagrams);
        var output = run.End();
        var flows = output.Where(o => o.BaseObject is FlowRecord).Select(o => (FlowRecord)o.BaseObject).ToList();
        Assert.Equal(2, flows.Count);
        Assert.All(flows, f => Assert.Equal(6, f.Protocol));
        var summary = output[^1];
        Assert.Equal(2L, (long)Get(summary, "RecordsOutput"));
        Assert.True((TimeSpan)Get(summary, "Elapsed") < TimeSpan.FromSeconds(55));
    }

    [Fact]
    public void A_port_in_use_is_a_terminating_CollectorBindFailed()
    {
        using var holder = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)holder.Client.LocalEndPoint!).Port;
        using var s = PsSession.WithModule();
        var output = s.Invoke($"Start-FlowCollector -Port {port} -ListenAddress 127.0.0.1 -Duration 00:00:01");
        Assert.Empty(output);
        var error = Assert.Single(s.Errors);
        Assert.StartsWith("CollectorBindFailed", error.FullyQualifiedErrorId);
        Assert.Contains(port.ToString(), error.ErrorDetails.Message);
    }

    [Fact]
    public void A_restart_with_TemplateFile_decodes_data_at_once()
    {
        var templates = FlowCollectorTests.Payloads("akvorado/template.pcap");
        var data = FlowCollectorTests.Payloads("akvorado/data.pcap");
        var all = new List<byte[]>(templates);
        all.AddRange(data);
        var expected = FlowCollectorTests.DirectKeys(all);
        Assert.NotEmpty(expected);
        string templateFile = Path.Combine(_dir, "templates.bin");
        using var s = PsSession.WithModule();
        s.SetVariable("tf", templateFile);

        var first = s.BeginInvoke("Start-FlowCollector -Port 0 -ListenAddress 127.0.0.1 -Duration 00:00:03 -TemplateFile $tf -Verbose");
        FlowCollectorTests.Send(WaitForListening(first), templates);
        first.End();
        Assert.True(File.Exists(templateFile));

        // Without the file the data waits for a template that never comes: no records.
        var control = s.BeginInvoke("Start-FlowCollector -Port 0 -ListenAddress 127.0.0.1 -Duration 00:00:03 -Verbose");
        FlowCollectorTests.Send(WaitForListening(control), data);
        var none = control.End();
        Assert.Equal(0L, (long)Get(none[^1], "Records"));

        var second = s.BeginInvoke("Start-FlowCollector -Port 0 -ListenAddress 127.0.0.1 -Duration 00:00:03 -TemplateFile $tf -Verbose");
        FlowCollectorTests.Send(WaitForListening(second), data);
        var output = second.End();
        var flows = new List<FlowRecord>();
        foreach (var o in output) if (o.BaseObject is FlowRecord f) flows.Add(f);
        var keys = CmdletKit.Keys(flows);
        keys.Sort(StringComparer.Ordinal);
        Assert.Equal(expected, keys);
    }

    [Fact]
    public void Malformed_datagrams_are_warned_and_summarised_by_exporter_and_ScaleBySampling_scales_what_is_output()
    {
        var datagrams = new List<byte[]> { new byte[] { 0 }, new byte[] { 0, 42, 0, 0 } };
        var sampled = FlowCollectorTests.Payloads("akvorado/samplingrate-template.pcap", "akvorado/samplingrate-data.pcap");
        datagrams.AddRange(sampled);
        var raw = new List<FlowRecord>();
        var decoder = new FlowForensics.Export.ExportDecoder();
        foreach (var d in sampled) decoder.Decode(d, FlowAddress.FromIPAddress(IPAddress.Loopback), DateTime.UtcNow, raw);
        Assert.Contains(raw, f => f.SamplingInterval > 1);
        using var s = PsSession.WithModule();
        var run = s.BeginInvoke("Start-FlowCollector -Port 0 -ListenAddress 127.0.0.1 -Duration 00:00:04 -ScaleBySampling -Verbose");
        FlowCollectorTests.Send(WaitForListening(run), datagrams);
        var output = run.End();
        var flows = output.Where(o => o.BaseObject is FlowRecord).Select(o => (FlowRecord)o.BaseObject).ToList();
        Assert.Equal(raw.Sum(f => f.Bytes * Math.Max(1, f.SamplingInterval)), flows.Sum(f => f.Bytes));
        Assert.Equal("127.0.0.1 TooShort=1; 127.0.0.1 UnsupportedVersion=1", (string)Get(output[^1], "MalformedByExporter"));
        var warnings = run.PowerShell.Streams.Warning.Select(w => w.Message).ToList();
        Assert.Contains(warnings, w => w.Contains("from 127.0.0.1: TooShort", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("from 127.0.0.1: UnsupportedVersion", StringComparison.Ordinal));
    }
}
