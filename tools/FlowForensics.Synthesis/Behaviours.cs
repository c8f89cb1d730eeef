using System.Buffers.Binary;
using System.Net;
using FlowForensics.Flows;

namespace FlowForensics.Synthesis;

/// <summary>The injected behaviours: each starts a driver script and returns the truth entry its frames fill in.</summary>
internal static class Behaviours
{
    /// <summary>Time a beat's session needs to finish; beats later than the end minus this are not scheduled.</summary>
    private const long SessionGuard = 5_000_000;
    private static readonly IPAddress TunnelNameServer = IPAddress.Parse("203.0.113.53");

    public static long Micros(TimeSpan t) => t.Ticks / TimeSpan.TicksPerMicrosecond;

    private static DateTime At(Scheduler s, long micros) => s.World.Options.StartUtc.AddTicks(micros * TimeSpan.TicksPerMicrosecond);

    public static BehaviourTruth Start(Scheduler s, SimRandom rng, BehaviourOptions options, long end)
    {
        var truth = options switch
        {
            BeaconBehaviour b => new BehaviourTruth(BehaviourKind.Beacon, Label(b, "beacon"), (byte)b.Protocol),
            ExfiltrationBehaviour => new BehaviourTruth(BehaviourKind.Exfiltration, Label(options, "exfiltration"), FrameCrafter.ProtoTcp),
            DnsTunnelBehaviour => new BehaviourTruth(BehaviourKind.DnsTunnel, Label(options, "dns-tunnel"), FrameCrafter.ProtoUdp),
            IcmpExfiltrationBehaviour => new BehaviourTruth(BehaviourKind.IcmpExfiltration, Label(options, "icmp-exfiltration"), FrameCrafter.ProtoIcmp),
            PortScanBehaviour p => new BehaviourTruth(BehaviourKind.PortScan, Label(p, "port-scan"), p.Type == ScanType.Udp ? FrameCrafter.ProtoUdp : FrameCrafter.ProtoTcp),
            PingSweepBehaviour => new BehaviourTruth(BehaviourKind.PingSweep, Label(options, "ping-sweep"), FrameCrafter.ProtoIcmp),
            LateralMovementBehaviour => new BehaviourTruth(BehaviourKind.LateralMovement, Label(options, "lateral-movement"), FrameCrafter.ProtoTcp),
            VolumeSurgeBehaviour v => new BehaviourTruth(BehaviourKind.VolumeSurge, Label(v, "volume-surge"), (byte)v.Protocol),
            _ => throw new ArgumentException($"Unknown behaviour {options.GetType().Name}.", nameof(options)),
        };
        var a = new Activity(s, rng, truth);
        long start = Micros(options.Start);
        IEnumerator<long> driver = options switch
        {
            BeaconBehaviour b => Beacon(a, b, start, b.End is { } e ? Math.Min(end, Micros(e)) : end),
            ExfiltrationBehaviour x => Exfiltration(a, x, start),
            DnsTunnelBehaviour d => DnsTunnel(a, d, start, end),
            IcmpExfiltrationBehaviour i => IcmpExfiltration(a, i, start, end),
            PortScanBehaviour p => PortScan(a, p, start, end),
            PingSweepBehaviour p => PingSweep(a, p, start, end),
            LateralMovementBehaviour l => Lateral(a, l, start),
            VolumeSurgeBehaviour v => Surge(a, v, start, end),
            _ => throw new ArgumentException($"Unknown behaviour {options.GetType().Name}.", nameof(options)),
        };
        s.Start(a, driver);
        return truth;
    }

    private static string Label(BehaviourOptions o, string fallback) => string.IsNullOrEmpty(o.Label) ? fallback : o.Label;

    private static int Spread(SimRandom rng, int value, double spread) => Math.Max(1, (int)Math.Round(value * (1 + rng.Uniform(-spread, spread))));

    private static IEnumerator<long> Beacon(Activity a, BeaconBehaviour o, long start, long end)
    {
        var rng = a.Rng;
        var truth = a.Truth!;
        var src = a.World.Resolve(o.Source);
        var dst = a.World.Resolve(o.Destination);
        truth.Source = o.Source;
        truth.DestinationList.Add(o.Destination);
        truth.PortList.Add(o.Port);
        truth.Period = o.Period;
        truth.Jitter = o.Jitter;
        long period = Micros(o.Period);
        long t = start;
        while (t + SessionGuard < end)
        {
            yield return t;
            if (rng.Chance(o.MissedBeatProbability))
            {
                truth.MissedBeats++;
            }
            else
            {
                truth.Sessions++;
                truth.SessionStartList.Add(At(a.Scheduler, t));
                int up = Spread(rng, o.BytesUp, o.SizeSpread), down = Spread(rng, o.BytesDown, o.SizeSpread);
                long at = t;
                if (o.Protocol == TransportProtocol.Tcp)
                    a.Spawn(c => Scripts.TcpSession(c, new Connection(src, dst, false, c.Rng.EphemeralPort(), o.Port, c.Rng), at,
                                                    TcpShape.Exchange(30_000 + c.Rng.Next(20_000), up, down)));
                else
                    a.Spawn(c => Scripts.UdpExchange(c, new Connection(src, dst, false, c.Rng.EphemeralPort(), o.Port, c.Rng), at, 1, up, down, default, default));
            }
            t += (long)(period * (1 + rng.Uniform(-o.Jitter, o.Jitter)));
        }
    }

    private static IEnumerator<long> Exfiltration(Activity a, ExfiltrationBehaviour o, long start)
    {
        var rng = a.Rng;
        var truth = a.Truth!;
        var src = a.World.Resolve(o.Source);
        var dst = a.World.Resolve(o.Destination);
        truth.Source = o.Source;
        truth.DestinationList.Add(o.Destination);
        truth.PortList.Add(o.Port);
        int chunks = Math.Max(1, o.Chunks);
        long slot = Micros(o.Duration) / chunks;
        long perChunk = o.TotalBytes / chunks;
        for (int i = 0; i < chunks; i++)
        {
            long t = start + i * slot;
            long bytes = i == chunks - 1 ? o.TotalBytes - perChunk * (chunks - 1) : perChunk;
            yield return t;
            truth.Sessions++;
            truth.SessionStartList.Add(At(a.Scheduler, t));
            long segments = Math.Max(1, (bytes + 1459) / 1460);
            // One long upload fills its slot; chunks leave idle time between them.
            long busy = chunks == 1 ? slot : slot / 2;
            var shape = new TcpShape
            {
                Rtt = 40_000 + rng.Next(20_000),
                SegmentGap = Math.Max(50, (busy - 200_000) / segments),
                Rounds = 1, BulkUp = bytes, BulkDown = 0, Close = TcpClose.Fin,
            };
            long at = t;
            a.Spawn(c => Scripts.TcpSession(c, new Connection(src, dst, false, c.Rng.EphemeralPort(), o.Port, c.Rng), at, shape));
        }
    }

    private const string Base32 = "abcdefghijklmnopqrstuvwxyz234567";

    private static IEnumerator<long> DnsTunnel(Activity a, DnsTunnelBehaviour o, long start, long end)
    {
        var rng = a.Rng;
        var truth = a.Truth!;
        var w = a.World;
        var src = w.Resolve(o.Source);
        var resolver = o.Resolver is null ? w.Resolver : w.Resolve(o.Resolver);
        var nameServer = w.Resolve(TunnelNameServer);
        truth.Source = o.Source;
        truth.DestinationList.Add(resolver.Address);
        truth.PortList.Add(53);
        truth.Domain = o.Domain;
        long stop = Math.Min(end - SessionGuard, start + Micros(o.Duration));
        double meanGap = 60e6 / o.QueriesPerMinute;
        var type = o.AnswerType == DnsTunnelAnswer.Txt ? DnsType.Txt : DnsType.Null;
        var name = new System.Text.StringBuilder(256);
        long t = start;
        int sequence = 0;
        while (t < stop)
        {
            yield return t;
            int length = rng.Next(o.MinEncodedLength, o.MaxEncodedLength + 1);
            name.Clear();
            for (int i = 0; i < length; i++)
            {
                if (i > 0 && i % DnsWire.MaxLabel == 0)
                    name.Append('.');
                name.Append(Base32[rng.Next(32)]);
            }
            name.Append('.').Append((sequence++ & 0xFFFF).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)).Append('.').Append(o.Domain);
            byte[] rdata = new byte[o.AnswerBytes + 2];
            int rlen;
            if (type == DnsType.Txt)
            {
                var text = new char[o.AnswerBytes];
                for (int i = 0; i < text.Length; i++)
                    text[i] = Base32[rng.Next(32)];
                rlen = DnsWire.WriteTxtRdata(rdata, text);
            }
            else
            {
                w.Payload(rng, o.AnswerBytes).CopyTo(rdata);
                rlen = o.AnswerBytes;
            }
            truth.Sessions++;
            string qname = name.ToString();
            long at = t;
            a.Spawn(c => Scripts.DnsLookup(c, src, resolver, nameServer, at, qname, type, miss: true, 1, rdata.AsMemory(0, rlen), (ushort)c.Rng.Next(65536)));
            t += 1 + (long)rng.Exponential(meanGap);
        }
    }

    private static IEnumerator<long> IcmpExfiltration(Activity a, IcmpExfiltrationBehaviour o, long start, long end)
    {
        var rng = a.Rng;
        var truth = a.Truth!;
        var src = a.World.Resolve(o.Source);
        var dst = a.World.Resolve(o.Destination);
        truth.Source = o.Source;
        truth.DestinationList.Add(o.Destination);
        long stop = Math.Min(end - SessionGuard, start + Micros(o.Duration));
        long gap = (long)(1e6 / o.PacketsPerSecond);
        long t = start;
        while (t < stop)
        {
            yield return t;
            int size = rng.Next(o.MinPayload, o.MaxPayload + 1);
            truth.Sessions++;
            long at = t;
            a.Spawn(c => Scripts.Ping(c, src, dst, false, at, 1, size, replies: true));
            t += gap / 2 + rng.Next((int)Math.Min(int.MaxValue, gap));
        }
    }

    private static IEnumerator<long> PortScan(Activity a, PortScanBehaviour o, long start, long end)
    {
        var rng = a.Rng;
        var truth = a.Truth!;
        var w = a.World;
        var scanner = w.Resolve(o.Scanner);
        truth.Source = o.Scanner;
        truth.Detail = o.Type.ToString();
        var open = new HashSet<ushort>(o.OpenPorts);
        foreach (var target in o.Targets)
            truth.DestinationList.Add(target);
        foreach (ushort p in o.Ports)
            truth.PortList.Add(p);
        var responded = new HashSet<IPAddress>();
        long gap = Math.Max(1, (long)(1e6 / o.ProbesPerSecond));
        ushort sport = (ushort)(40000 + rng.Next(20000));
        bool portMajor = o.Targets.Count > o.Ports.Count;
        int outer = portMajor ? o.Ports.Count : o.Targets.Count, inner = portMajor ? o.Targets.Count : o.Ports.Count;
        long t = start;
        for (int i = 0; i < outer; i++)
        {
            for (int j = 0; j < inner; j++)
            {
                if (t + SessionGuard >= end)
                    yield break;
                yield return t;
                var target = w.Resolve(o.Targets[portMajor ? j : i]);
                ushort port = o.Ports[portMajor ? i : j];
                bool live = w.IsLive(target);
                bool isOpen = live && open.Contains(port);
                truth.Sessions++;
                if (live && responded.Add(target.Address))
                    truth.RespondingList.Add(target.Address);
                if (isOpen)
                    truth.OpenList.Add(target.Address + ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture));
                long at = t;
                a.Spawn(c => Probe(c, o.Type, scanner, target, sport, port, live, isOpen, at));
                t += gap / 2 + rng.Next((int)Math.Min(int.MaxValue, gap));
            }
        }
    }

    private static IEnumerator<long> Probe(Activity a, ScanType type, SimHost scanner, SimHost target, ushort sport, ushort port, bool live, bool open, long t)
    {
        var rng = a.Rng;
        long rtt = 200 + rng.Next(800);
        if (type == ScanType.Udp)
        {
            var c = new Connection(scanner, target, false, sport, port, rng);
            a.UdpRandom(c, true, 0);
            yield return t;
            if (open)
            {
                a.UdpRandom(c, false, 20 + rng.Next(60));
                yield return t + rtt;
            }
            else if (live)
            {
                a.IcmpPortUnreachable(target, scanner, false);
                yield return t + rtt;
            }
            yield break;
        }
        if (type == ScanType.Connect)
        {
            var c = new Connection(scanner, target, false, rng.EphemeralPort(), port, rng);
            a.Tcp(c, true, TcpFlags.Syn);
            yield return t;
            if (!live)
                yield break;
            t += rtt;
            if (!open)
            {
                c.ServerSeq = 0;
                c.ServerWindow = 0;
                a.Tcp(c, false, TcpFlags.Rst | TcpFlags.Ack);
                yield return t;
                yield break;
            }
            a.Tcp(c, false, TcpFlags.Syn | TcpFlags.Ack);
            yield return t;
            t += 50;
            a.Tcp(c, true, TcpFlags.Ack);
            yield return t;
            t += 100;
            a.Tcp(c, true, TcpFlags.Rst | TcpFlags.Ack);
            yield return t;
            yield break;
        }
        TcpFlags probe = type switch
        {
            ScanType.Syn => TcpFlags.Syn,
            ScanType.Fin => TcpFlags.Fin,
            ScanType.Null => TcpFlags.None,
            _ => TcpFlags.Fin | TcpFlags.Psh | TcpFlags.Urg,
        };
        uint seq = rng.NextUInt32();
        a.TcpRaw(scanner, target, sport, port, seq, 0, probe, 1024);
        yield return t;
        if (!live)
            yield break;
        t += rtt;
        uint answered = seq + (probe == TcpFlags.None ? 0u : 1u);
        if (!open)
        {
            a.TcpRaw(target, scanner, port, sport, 0, answered, TcpFlags.Rst | TcpFlags.Ack, 0);
            yield return t;
            yield break;
        }
        if (type != ScanType.Syn)
            yield break;   // open ports stay silent to FIN, NULL and Xmas probes
        a.TcpRaw(target, scanner, port, sport, rng.NextUInt32(), answered, TcpFlags.Syn | TcpFlags.Ack, 65535);
        yield return t;
        t += 50 + rng.Next(100);
        a.TcpRaw(scanner, target, sport, port, answered, 0, TcpFlags.Rst, 0);
        yield return t;
    }

    private static IEnumerator<long> PingSweep(Activity a, PingSweepBehaviour o, long start, long end)
    {
        var rng = a.Rng;
        var truth = a.Truth!;
        var w = a.World;
        var src = w.Resolve(o.Source);
        truth.Source = o.Source;
        uint first = BinaryPrimitives.ReadUInt32BigEndian(o.FirstTarget.GetAddressBytes());
        long gap = Math.Max(1, (long)(1e6 / o.ProbesPerSecond));
        long t = start;
        for (int i = 0; i < o.Count; i++)
        {
            if (t + SessionGuard >= end)
                yield break;
            yield return t;
            var bytes = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(bytes, first + (uint)i);
            var target = w.Resolve(new IPAddress(bytes));
            bool live = w.IsLive(target);
            truth.DestinationList.Add(target.Address);
            if (live)
                truth.RespondingList.Add(target.Address);
            truth.Sessions++;
            long at = t;
            a.Spawn(c => Scripts.Ping(c, src, target, false, at, 1, Scripts.PingPayload, live));
            t += gap / 2 + rng.Next((int)Math.Min(int.MaxValue, gap));
        }
    }

    private static TcpShape AdminShape(SimRandom rng, ushort port) => port switch
    {
        // SMB: tree connect, a service binary dropped (PsExec style), service control chatter.
        445 => new TcpShape { Rtt = 400 + rng.Next(600), SegmentGap = 40, Rounds = 20 + rng.Next(20), BulkUp = 300_000 + rng.Next(600_000), BulkDown = 2_000, UpMin = 100, UpMax = 2000, DownMin = 100, DownMax = 4000, Think = 150_000, Close = TcpClose.Fin },
        135 => new TcpShape { Rtt = 400 + rng.Next(600), SegmentGap = 60, Rounds = 4 + rng.Next(5), UpMin = 100, UpMax = 800, DownMin = 100, DownMax = 800, Think = 50_000, Close = TcpClose.Fin },
        5985 => new TcpShape { Rtt = 400 + rng.Next(600), SegmentGap = 60, Rounds = 10 + rng.Next(20), UpMin = 500, UpMax = 3000, DownMin = 500, DownMax = 3000, Think = 500_000, Close = TcpClose.Fin },
        // RDP: a long interactive session, small input up and screen updates down.
        3389 => new TcpShape { Rtt = 400 + rng.Next(600), SegmentGap = 60, Rounds = 200 + rng.Next(200), UpMin = 50, UpMax = 200, DownMin = 200, DownMax = 4000, Think = 250_000, Close = TcpClose.Fin },
        _ => new TcpShape { Rtt = 400 + rng.Next(600), SegmentGap = 60, Rounds = 30 + rng.Next(50), UpMin = 36, UpMax = 100, DownMin = 36, DownMax = 500, Think = 300_000, Close = TcpClose.Fin },
    };

    private static IEnumerator<long> Lateral(Activity a, LateralMovementBehaviour o, long start)
    {
        var rng = a.Rng;
        var truth = a.Truth!;
        var w = a.World;
        if (o.Hops.Count == 0)
            yield break;
        truth.Source = o.Hops[0].From;
        truth.SourceList.Add(o.Hops[0].From);
        foreach (var hop in o.Hops)
        {
            truth.SourceList.Add(hop.To);
            truth.DestinationList.Add(hop.To);
            truth.PortList.Add(hop.Port);
        }
        long slot = Micros(o.Window) / o.Hops.Count;
        for (int i = 0; i < o.Hops.Count; i++)
        {
            long t = start + i * slot + rng.Next((int)Math.Min(int.MaxValue, slot / 4));
            yield return t;
            var hop = o.Hops[i];
            var from = w.Resolve(hop.From);
            var to = w.Resolve(hop.To);
            truth.Sessions++;
            truth.SessionStartList.Add(At(a.Scheduler, t));
            var shape = AdminShape(rng, hop.Port);
            long at = t;
            a.Spawn(c => Scripts.TcpSession(c, new Connection(from, to, false, c.Rng.EphemeralPort(), hop.Port, c.Rng), at, shape));
        }
    }

    private static IEnumerator<long> Surge(Activity a, VolumeSurgeBehaviour o, long start, long end)
    {
        var rng = a.Rng;
        var truth = a.Truth!;
        var w = a.World;
        var target = w.Resolve(o.Target);
        truth.DestinationList.Add(o.Target);
        truth.PortList.Add(o.Port);
        var sources = new SimHost[Math.Max(1, o.SourceCount)];
        for (int i = 0; i < sources.Length; i++)
        {
            sources[i] = w.NewExternalSource();
            truth.SourceList.Add(sources[i].Address);
        }
        long stop = Math.Min(end - SessionGuard, start + Micros(o.Duration));
        double meanGap = 1e6 / o.FlowsPerSecond;
        long t = start;
        while (t < stop)
        {
            yield return t;
            var src = sources[rng.Next(sources.Length)];
            truth.Sessions++;
            long at = t;
            if (o.Protocol == TransportProtocol.Tcp)
                a.Spawn(c => Scripts.TcpSession(c, new Connection(src, target, false, c.Rng.EphemeralPort(), o.Port, c.Rng), at,
                                                TcpShape.Exchange(20_000 + c.Rng.Next(30_000), o.BytesPerFlow, 200 + c.Rng.Next(600))));
            else
                a.Spawn(c => Scripts.UdpExchange(c, new Connection(src, target, false, c.Rng.EphemeralPort(), o.Port, c.Rng), at, 1, o.BytesPerFlow, 0, default, default));
            t += 1 + (long)rng.Exponential(meanGap);
        }
    }
}
