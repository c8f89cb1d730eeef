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

    private static FlowCollector StartOnLoopback(int queue = FlowCollectorOptions.DefaultQueueCapacity, IPAddress[]? allowed = null, bool batch = true)
    {
        var c = new FlowCollector(new FlowCollectorOptions
        {
            Port = 0, ListenAddress = IPAddress.Loopback, QueueCapacity = queue, AllowedExporters = allowed ?? [], BatchReceive = batch,
        }, new ExportDecoder());
        c.Start();
        Assert.True(c.IsListening);
        return c;
    }

    /// <summary>On Linux (x64, Arm64) the receive thread uses recvmmsg unless told not to; elsewhere it receives one by one.</summary>
    private static bool BatchesExpected(bool batch) =>
        batch && OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture
            is System.Runtime.InteropServices.Architecture.X64 or System.Runtime.InteropServices.Architecture.Arm64;

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

    public static TheoryData<string, bool> Captures()
    {
        var data = new TheoryData<string, bool>();
        foreach (bool batch in new[] { true, false })
        {
            data.Add("akvorado/nfv5.pcap", batch);
            data.Add("akvorado/data+templates.pcap", batch);
            data.Add("graylog/nprobe-netflow9.pcap", batch);
            data.Add("pmacct/100-IPFIXv10-CISCO/traffic-00.pcap", batch);
            data.Add("akvorado/ipfixprobe-templates.pcap", batch);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Every_record_of_a_replayed_export_capture_is_received_as_the_decoder_decodes_it(string relative, bool batch)
    {
        var datagrams = Payloads(relative);
        var expected = DirectKeys(datagrams);
        using var c = StartOnLoopback(batch: batch);
        Send(c.LocalEndPoint!.Port, datagrams);
        WaitForDatagrams(c, datagrams.Count);
        c.Stop();
        var status = c.Status();
        Assert.Equal(datagrams.Count, status.Datagrams);
        Assert.Equal(0, status.QueueDrops);
        Assert.Equal(expected.Count, status.Records);
        Assert.Equal(expected, Drain(c));
        Assert.Equal(1, status.Exporters);
        Assert.Equal(BatchesExpected(batch), c.ReceivesInBatches);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_full_queue_drops_records_and_counts_every_one(bool batch)
    {
        var datagrams = Payloads("akvorado/nfv5.pcap", "graylog/netflow5.pcap");
        int total = DirectKeys(datagrams).Count;
        Assert.True(total > 8, $"the captures hold {total} records");
        using var c = StartOnLoopback(queue: 5, batch: batch);
        Send(c.LocalEndPoint!.Port, datagrams);
        WaitForDatagrams(c, datagrams.Count);
        c.Stop();
        var s = c.Status();
        Assert.Equal(total, s.Records);
        Assert.Equal(total - 5, s.QueueDrops);
        Assert.Equal(5, Drain(c).Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Datagrams_from_an_exporter_not_allowed_are_dropped_and_counted(bool batch)
    {
        var datagrams = Payloads("akvorado/nfv5.pcap");
        using var c = StartOnLoopback(allowed: [IPAddress.Parse("192.0.2.7")], batch: batch);
        Send(c.LocalEndPoint!.Port, datagrams);
        WaitForDatagrams(c, datagrams.Count);
        c.Stop();
        var s = c.Status();
        Assert.Equal(datagrams.Count, s.RejectedDatagrams);
        Assert.Equal(0, s.Datagrams);
        Assert.Empty(Drain(c));

        using var allowed = StartOnLoopback(allowed: [IPAddress.Loopback], batch: batch);
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
    private static FlowCollector StartStalled(ManualResetEventSlim gate, int backlog, bool batch)
    {
        var c = new FlowCollector(new FlowCollectorOptions { Port = 0, ListenAddress = IPAddress.Loopback, DatagramBacklog = backlog, BatchReceive = batch }, new ExportDecoder())
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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void While_decoding_is_stalled_datagrams_beyond_the_backlog_are_dropped_and_counted(bool batch)
    {
        var datagrams = Payloads("akvorado/nfv5.pcap", "graylog/netflow5.pcap");
        Assert.True(datagrams.Count > 2, $"{datagrams.Count} datagrams");
        using var gate = new ManualResetEventSlim(false);
        using var c = StartStalled(gate, backlog: 2, batch);
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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Stop_decodes_every_datagram_already_received(bool batch)
    {
        var datagrams = Payloads("akvorado/nfv5.pcap");
        using var gate = new ManualResetEventSlim(false);
        using var c = StartStalled(gate, backlog: FlowCollectorOptions.DefaultDatagramBacklog, batch);
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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Stop_returns_promptly_while_nothing_arrives(bool batch)
    {
        using var c = StartOnLoopback(batch: batch);
        var sw = Stopwatch.StartNew();
        c.Stop();
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"Stop took {sw.Elapsed}");
        Assert.False(c.IsListening);
    }

    /// <summary>Sends every datagram from a socket bound to <paramref name="source"/> to <paramref name="target"/>, paced.</summary>
    private static void SendFrom(IPAddress source, IPEndPoint target, IEnumerable<byte[]> datagrams)
    {
        using var sender = new Socket(source.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        sender.Bind(new IPEndPoint(source, 0));
        int i = 0;
        foreach (var d in datagrams)
        {
            sender.SendTo(d, target);
            if (++i % 8 == 0) Thread.Sleep(2);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_dual_mode_socket_gives_each_datagram_its_IPv4_or_IPv6_exporter_and_rejects_those_not_allowed(bool batch)
    {
        var v5 = Payloads("akvorado/nfv5.pcap");
        var ipfix = Payloads("pmacct/100-IPFIXv10-CISCO/traffic-00.pcap");
        var v4Source = IPAddress.Parse("127.0.0.3");
        // Listening on [::] (dual mode, the default); ::1 and 127.0.0.3 allowed, 127.0.0.4 not.
        using var c = new FlowCollector(new FlowCollectorOptions
        {
            Port = 0, ListenAddress = IPAddress.IPv6Any, AllowedExporters = [IPAddress.IPv6Loopback, v4Source], BatchReceive = batch,
        }, new ExportDecoder());
        c.Start();
        int port = c.LocalEndPoint!.Port;
        SendFrom(IPAddress.IPv6Loopback, new IPEndPoint(IPAddress.IPv6Loopback, port), v5);
        SendFrom(v4Source, new IPEndPoint(IPAddress.Loopback, port), ipfix);
        SendFrom(IPAddress.Parse("127.0.0.4"), new IPEndPoint(IPAddress.Loopback, port), v5);
        WaitFor(() => c.Status() is var st && st.Datagrams == v5.Count + ipfix.Count && st.RejectedDatagrams == v5.Count,
            "the datagrams were not all received");
        c.Stop();
        var s = c.Status();
        Assert.Equal(2, s.Exporters);
        Assert.Equal(BatchesExpected(batch), c.ReceivesInBatches);

        var records = new List<FlowRecord>();
        while (c.TryTake(out var r, 0, CancellationToken.None)) records.Add(r);
        var v6Exporter = FlowAddress.FromIPAddress(IPAddress.IPv6Loopback);
        var v4Exporter = FlowAddress.FromIPAddress(v4Source);
        // Each exporter's records are the records of what it sent, decoded with that exporter (an IPv4 sender on the
        // dual-mode socket is its IPv4 address, not ::ffff:127.0.0.3).
        var fromV6 = records.Where(r => r.ExporterAddress.Equals(v6Exporter)).ToList();
        var fromV4 = records.Where(r => r.ExporterAddress.Equals(v4Exporter)).ToList();
        Assert.Equal(records.Count, fromV6.Count + fromV4.Count);
        Assert.Equal(Decoded(v5, v6Exporter), Sorted(fromV6));
        Assert.Equal(Decoded(ipfix, v4Exporter), Sorted(fromV4));
    }

    private static List<string> Sorted(List<FlowRecord> records)
    {
        var keys = CmdletKit.Keys(records);
        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    private static List<string> Decoded(List<byte[]> datagrams, FlowAddress exporter)
    {
        var decoder = new ExportDecoder();
        var records = new List<FlowRecord>();
        foreach (var d in datagrams) decoder.Decode(d, exporter, DateTime.UtcNow, records);
        Assert.NotEmpty(records);
        Assert.All(records, r => Assert.Equal(exporter, r.ExporterAddress));
        return Sorted(records);
    }

    [Fact]
    public void With_a_small_socket_buffer_every_datagram_is_still_received_in_batches()
    {
        // 64 KB asked: below the 2 MB from which the receive thread naps, so it waits in poll between calls.
        var datagrams = Payloads("akvorado/nfv5.pcap", "graylog/netflow5.pcap");
        using var c = new FlowCollector(new FlowCollectorOptions { Port = 0, ListenAddress = IPAddress.Loopback, ReceiveBufferBytes = 65_536 }, new ExportDecoder());
        c.Start();
        Send(c.LocalEndPoint!.Port, datagrams);
        WaitForDatagrams(c, datagrams.Count);
        c.Stop();
        Assert.Equal(datagrams.Count, c.Status().Datagrams);
        Assert.Equal(DirectKeys(datagrams), Drain(c));
        Assert.Equal(BatchesExpected(true), c.ReceivesInBatches);
    }

    [Fact]
    public void Socket_addresses_of_either_family_are_read_as_the_kernel_writes_them()
    {
        if (OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture
                is System.Runtime.InteropServices.Architecture.X64 or System.Runtime.InteropServices.Architecture.Arm64)
            Assert.Equal(64, DatagramBatchReceiver.HeaderBytes); // struct mmsghdr on LP64 Linux

        // sockaddr_in: family 2 (host order), port 2055 (network order), 192.0.2.7, 8 bytes of zero.
        byte[] v4 = [2, 0, 0x08, 0x07, 192, 0, 2, 7, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.True(DatagramBatchReceiver.TryReadSender(v4, out var a));
        Assert.Equal(FlowAddress.FromIPAddress(IPAddress.Parse("192.0.2.7")), a);

        // sockaddr_in6: family 10, port, flow info, 2001:db8::1, scope id.
        var v6 = new byte[28];
        v6[0] = 10;
        IPAddress.Parse("2001:db8::1").GetAddressBytes().CopyTo(v6, 8);
        Assert.True(DatagramBatchReceiver.TryReadSender(v6, out a));
        Assert.Equal(FlowAddress.FromIPAddress(IPAddress.Parse("2001:db8::1")), a);

        // An IPv4 sender on a dual-mode socket: ::ffff:198.51.100.9 is 198.51.100.9.
        IPAddress.Parse("::ffff:198.51.100.9").GetAddressBytes().CopyTo(v6, 8);
        Assert.True(DatagramBatchReceiver.TryReadSender(v6, out a));
        Assert.Equal(FlowAddress.FromIPAddress(IPAddress.Parse("198.51.100.9")), a);
        Assert.True(a.IsIPv4);

        Assert.False(DatagramBatchReceiver.TryReadSender(v6.AsSpan(0, 20), out _)); // too short for sockaddr_in6
        Assert.False(DatagramBatchReceiver.TryReadSender([1, 0, 0, 0, 0, 0, 0, 0], out _)); // AF_UNIX
        Assert.False(DatagramBatchReceiver.TryReadSender([2], out _));
    }
}
