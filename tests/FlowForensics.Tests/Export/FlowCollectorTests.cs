using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using FlowForensics.Export;
using FlowForensics.Flows;
using FlowForensics.Tests.Cmdlets;
using Xunit;

namespace FlowForensics.Tests.Export;

/// <summary>Over loopback only (127.0.0.1, port chosen by the system); sends are paced and wait for the socket to be bound.</summary>
public sealed class FlowCollectorTests
{
    private static readonly FlowAddress Loopback = FlowAddress.FromIPAddress(IPAddress.Loopback);

    internal static List<byte[]> Payloads(params string[] relative)
    {
        var list = new List<byte[]>();
        foreach (string r in relative)
            foreach (var d in ExportCorpus.ReadUdp(SharedData.Path(ExportCorpus.Folder, r), out _))
                list.Add(d.Payload);
        return list;
    }

    /// <summary>Sends each datagram to 127.0.0.1:port, pausing every few so a loaded machine's socket buffer never overflows.</summary>
    internal static void Send(int port, IEnumerable<byte[]> datagrams)
    {
        using var client = new UdpClient(AddressFamily.InterNetwork);
        client.Connect(IPAddress.Loopback, port);
        int i = 0;
        foreach (var d in datagrams)
        {
            client.Send(d, d.Length);
            if (++i % 8 == 0) Thread.Sleep(2);
        }
    }

    /// <summary>The records the decoder gives for the same datagrams from 127.0.0.1, as comparable keys.</summary>
    internal static List<string> DirectKeys(IEnumerable<byte[]> datagrams, ExportDecoder? decoder = null)
    {
        decoder ??= new ExportDecoder();
        var records = new List<FlowRecord>();
        foreach (var d in datagrams) decoder.Decode(d, Loopback, DateTime.UtcNow, records);
        var keys = CmdletKit.Keys(records);
        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    private static FlowCollector StartOnLoopback(int queue = FlowCollectorOptions.DefaultQueueCapacity, IPAddress[]? allowed = null)
    {
        var c = new FlowCollector(new FlowCollectorOptions
        {
            Port = 0, ListenAddress = IPAddress.Loopback, QueueCapacity = queue, AllowedExporters = allowed ?? [],
        }, new ExportDecoder());
        c.Start();
        Assert.True(c.IsListening);
        return c;
    }

    private static void WaitForDatagrams(FlowCollector c, long n)
    {
        var sw = Stopwatch.StartNew();
        while (c.Status().Datagrams + c.Status().RejectedDatagrams < n && sw.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(10);
    }

    private static List<string> Drain(FlowCollector c)
    {
        var records = new List<FlowRecord>();
        while (c.TryTake(out var r, 0, CancellationToken.None)) records.Add(r);
        var keys = CmdletKit.Keys(records);
        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    public static TheoryData<string> Captures() => new()
    {
        "akvorado/nfv5.pcap",
        "akvorado/data+templates.pcap",
        "graylog/nprobe-netflow9.pcap",
        "pmacct/100-IPFIXv10-CISCO/traffic-00.pcap",
        "akvorado/ipfixprobe-templates.pcap",
    };

    [Theory]
    [MemberData(nameof(Captures))]
    public void Every_record_of_a_replayed_export_capture_is_received_as_the_decoder_decodes_it(string relative)
    {
        var datagrams = Payloads(relative);
        var expected = DirectKeys(datagrams);
        using var c = StartOnLoopback();
        Send(c.LocalEndPoint!.Port, datagrams);
        WaitForDatagrams(c, datagrams.Count);
        c.Stop();
        var status = c.Status();
        Assert.Equal(datagrams.Count, status.Datagrams);
        Assert.Equal(0, status.QueueDrops);
        Assert.Equal(expected.Count, status.Records);
        Assert.Equal(expected, Drain(c));
        Assert.Equal(1, status.Exporters);
    }

    [Fact]
    public void A_full_queue_drops_records_and_counts_every_one()
    {
        var datagrams = Payloads("akvorado/nfv5.pcap", "graylog/netflow5.pcap");
        int total = DirectKeys(datagrams).Count;
        Assert.True(total > 8, $"the captures hold {total} records");
        using var c = StartOnLoopback(queue: 5);
        Send(c.LocalEndPoint!.Port, datagrams);
        WaitForDatagrams(c, datagrams.Count);
        c.Stop();
        var s = c.Status();
        Assert.Equal(total, s.Records);
        Assert.Equal(total - 5, s.QueueDrops);
        Assert.Equal(5, Drain(c).Count);
    }

    [Fact]
    public void Datagrams_from_an_exporter_not_allowed_are_dropped_and_counted()
    {
        var datagrams = Payloads("akvorado/nfv5.pcap");
        using var c = StartOnLoopback(allowed: [IPAddress.Parse("192.0.2.7")]);
        Send(c.LocalEndPoint!.Port, datagrams);
        WaitForDatagrams(c, datagrams.Count);
        c.Stop();
        var s = c.Status();
        Assert.Equal(datagrams.Count, s.RejectedDatagrams);
        Assert.Equal(0, s.Datagrams);
        Assert.Empty(Drain(c));

        using var allowed = StartOnLoopback(allowed: [IPAddress.Loopback]);
        Send(allowed.LocalEndPoint!.Port, datagrams);
        WaitForDatagrams(allowed, datagrams.Count);
        allowed.Stop();
        Assert.Equal(datagrams.Count, allowed.Status().Datagrams);
        Assert.Equal(0, allowed.Status().RejectedDatagrams);
    }

    [Fact]
    public void Malformed_datagrams_are_counted_by_reason_and_do_not_stop_the_collector()
    {
        var good = Payloads("akvorado/nfv5.pcap");
        var datagrams = new List<byte[]> { new byte[] { 0 }, new byte[] { 0, 42, 1, 2 } };
        datagrams.AddRange(good);
        using var c = StartOnLoopback();
        Send(c.LocalEndPoint!.Port, datagrams);
        WaitForDatagrams(c, datagrams.Count);
        c.Stop();
        var s = c.Status();
        Assert.Equal(2, s.Malformed);
        Assert.Equal(1, s.MalformedByReason[ExportDecodeStatus.TooShort]);
        Assert.Equal(1, s.MalformedByReason[ExportDecodeStatus.UnsupportedVersion]);
        Assert.Equal(DirectKeys(good), Drain(c));
    }

    [Fact]
    public void Binding_a_port_in_use_throws_a_SocketException()
    {
        using var first = StartOnLoopback();
        using var second = new FlowCollector(new FlowCollectorOptions { Port = first.LocalEndPoint!.Port, ListenAddress = IPAddress.Loopback }, new ExportDecoder());
        Assert.Throws<SocketException>(second.Start);
    }

    /// <summary>A collector whose decode thread waits on <paramref name="gate"/> before each batch.</summary>
    private static FlowCollector StartStalled(ManualResetEventSlim gate, int backlog)
    {
        var c = new FlowCollector(new FlowCollectorOptions { Port = 0, ListenAddress = IPAddress.Loopback, DatagramBacklog = backlog }, new ExportDecoder())
        {
            DecodeGate = gate,
        };
        c.Start();
        return c;
    }

    private static void WaitFor(Func<bool> condition, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException(what);
            Thread.Sleep(10);
        }
    }

    [Fact]
    public void While_decoding_is_stalled_datagrams_beyond_the_backlog_are_dropped_and_counted()
    {
        var datagrams = Payloads("akvorado/nfv5.pcap", "graylog/netflow5.pcap");
        Assert.True(datagrams.Count > 2, $"{datagrams.Count} datagrams");
        using var gate = new ManualResetEventSlim(false);
        using var c = StartStalled(gate, backlog: 2);
        Send(c.LocalEndPoint!.Port, datagrams);
        // The decode thread releases nothing while it waits: the first 2 wait in the backlog, the rest are dropped.
        WaitFor(() => c.Status().BacklogDrops + c.Backlog == datagrams.Count, "the datagrams were not all received");
        Assert.Equal(2, c.Backlog);
        gate.Set();
        c.Stop();
        var s = c.Status();
        Assert.Equal(datagrams.Count, s.Datagrams + s.BacklogDrops);
        Assert.Equal(2, s.Datagrams);
        Assert.Equal(0, s.Backlog);
        var kept = datagrams.Take((int)s.Datagrams).ToList();
        Assert.Equal(DirectKeys(kept), Drain(c));
    }

    [Fact]
    public void Stop_decodes_every_datagram_already_received()
    {
        var datagrams = Payloads("akvorado/nfv5.pcap");
        using var gate = new ManualResetEventSlim(false);
        using var c = StartStalled(gate, backlog: FlowCollectorOptions.DefaultDatagramBacklog);
        Send(c.LocalEndPoint!.Port, datagrams);
        WaitFor(() => c.Backlog == datagrams.Count, "the datagrams were not all received");
        Assert.Equal(0, c.Status().Datagrams);
        var stop = new Thread(c.Stop);
        stop.Start();
        WaitFor(() => !c.IsListening, "Stop did not begin");
        Thread.Sleep(300); // the receive thread has seen _stopping and left (it polls every 100 ms)
        Assert.True(stop.IsAlive, "Stop returned while datagrams were still waiting");
        gate.Set();
        Assert.True(stop.Join(TimeSpan.FromSeconds(30)), "Stop did not return");
        var s = c.Status();
        Assert.Equal(datagrams.Count, s.Datagrams);
        Assert.Equal(0, s.BacklogDrops);
        Assert.Equal(0, s.Backlog);
        Assert.Equal(DirectKeys(datagrams), Drain(c));
    }

    /// <summary>Every field of a record except the receive time and the cached IPAddress objects, as text.</summary>
    private static string Fields(FlowRecord r)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var field in typeof(FlowRecord).GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic))
        {
            if (field.FieldType == typeof(IPAddress) || field.Name.Contains("Received", StringComparison.Ordinal)) continue;
            object? v = field.GetValue(r);
            sb.Append(field.Name).Append('=').Append(v is uint[] a ? string.Join(",", a) : v).Append(';');
        }
        return sb.ToString();
    }

    [Fact]
    public void Borrowed_records_are_decoded_into_again_and_equal_the_decoders_records_field_for_field()
    {
        // v9 with templates, v5, IPFIX, sFlow and v9 again: a record reused across protocols must not keep a field.
        var datagrams = Payloads("akvorado/data+templates.pcap", "akvorado/nfv5.pcap", "pmacct/100-IPFIXv10-CISCO/traffic-00.pcap",
            "akvorado/data-sflow-raw-ipv4.pcap", "akvorado/mpls.pcap", "graylog/nprobe-netflow9.pcap");
        // Sent from 127.0.0.2 and only that address allowed, so no other test's late datagram to a reused port gets in.
        var source = IPAddress.Parse("127.0.0.2");
        var exporter = FlowAddress.FromIPAddress(source);
        var decoder = new ExportDecoder();
        using var c = new FlowCollector(new FlowCollectorOptions { Port = 0, ListenAddress = IPAddress.Loopback, AllowedExporters = [source] }, new ExportDecoder());
        c.Start();
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sender.Bind(new IPEndPoint(source, 0));
        var objects = new HashSet<FlowRecord>(ReferenceEqualityComparer.Instance);
        int total = 0, most = 0;
        for (int i = 0; i < datagrams.Count; i++)
        {
            // One datagram at a time, taken whole before the next is sent: the next is decoded into returned records.
            sender.SendTo(datagrams[i], c.LocalEndPoint!);
            // Decoded, and every record decoded is queued (the decode thread queues them after it leaves the status lock).
            WaitFor(() => c.Status() is var st && st.Datagrams == i + 1 && st.Records == total + c.Queued, $"datagram {i} was not decoded");
            var got = new List<string>();
            DateTime? received = null;
            while (c.TryTakeBorrowed(out var r, 0, CancellationToken.None))
            {
                got.Add(Fields(r));
                received ??= r.Received;
                objects.Add(r);
            }
            // The same datagram decoded directly, at the time the collector received it (sFlow records start then).
            var records = new List<FlowRecord>();
            decoder.Decode(datagrams[i], exporter, received ?? DateTime.UtcNow, records);
            var expected = records.Select(Fields).ToList();
            Assert.Equal(expected.Count, got.Count);
            for (int k = 0; k < expected.Count; k++) Assert.True(expected[k] == got[k], $"datagram {i} record {k}:\n{expected[k]}\n{got[k]}");
            total += got.Count;
            most = Math.Max(most, got.Count);
        }
        c.Stop();
        Assert.True(total > 100, $"{total} records");
        Assert.True(objects.Count <= most + 1, $"{objects.Count} record objects for {total} records: they were not reused");
    }

    [Fact]
    public void Stop_returns_promptly_while_nothing_arrives()
    {
        using var c = StartOnLoopback();
        var sw = Stopwatch.StartNew();
        c.Stop();
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"Stop took {sw.Elapsed}");
        Assert.False(c.IsListening);
    }
}
