using System.Buffers.Binary;
using FlowForensics.Flows;

namespace FlowForensics.Synthesis;

/// <summary>Session scripts: each yields the timestamps (µs from the capture start) of the frames it builds.</summary>
internal static class Scripts
{
    public const byte IcmpEchoRequest = 8, IcmpEchoReply = 0, Icmp6EchoRequest = 128, Icmp6EchoReply = 129;
    public const int PingPayload = 56;

    /// <summary>A full TCP session: handshake, rounds of request/response with delayed ACKs, then the close.</summary>
    public static IEnumerator<long> TcpSession(Activity a, Connection c, long t, TcpShape s)
    {
        var rng = a.Rng;
        long gap = Math.Max(1, s.SegmentGap);
        long ackDelay = Math.Max(1, Math.Min(gap, Math.Max(1, s.Rtt / 2)));
        a.Tcp(c, true, TcpFlags.Syn);
        yield return t;
        t += s.Rtt;
        a.Tcp(c, false, TcpFlags.Syn | TcpFlags.Ack);
        yield return t;
        t += 40 + rng.Next(200);
        a.Tcp(c, true, TcpFlags.Ack);
        yield return t;
        long last = t;
        var app = AppFraming.For(c.ServerPort);
        string host = app == AppProtocol.None ? "" : AppFraming.HostOf(c.Server);
        for (int round = 0; round < Math.Max(1, s.Rounds); round++)
        {
            long up = round == 0 && s.BulkUp > 0 ? s.BulkUp : rng.Next(s.UpMin, Math.Max(s.UpMin, s.UpMax) + 1);
            long down = round == 0 && s.BulkDown > 0 ? s.BulkDown : rng.Next(s.DownMin, Math.Max(s.DownMin, s.DownMax) + 1);
            if (round > 0)
                t += 1 + (long)rng.Exponential(s.Think);
            for (int dir = 0; dir < 2; dir++)
            {
                bool fromClient = dir == 0;
                long bytes = fromClient ? up : down;
                if (bytes <= 0)
                    continue;
                t = Math.Max(t + (fromClient ? 20 + rng.Next(100) : s.Rtt / 2 + rng.Next(500)), last);
                int segment = 0;
                var flight = AppFraming.Plan(app, fromClient, round == 0, bytes, host);
                long sent = 0;
                while (bytes > 0)
                {
                    int n = (int)Math.Min(c.Mss, bytes);
                    bytes -= n;
                    bool final = bytes == 0;
                    var flags = final ? TcpFlags.Psh | TcpFlags.Ack : TcpFlags.Ack;
                    if (app == AppProtocol.None)
                        a.Tcp(c, fromClient, flags, n);
                    else
                        a.TcpFramed(c, fromClient, flags, n, flight, sent);
                    sent += n;
                    yield return t;
                    last = t;
                    if ((++segment & 1) == 0 || final)
                    {
                        last = t + ackDelay;
                        a.Tcp(c, !fromClient, TcpFlags.Ack);
                        yield return last;
                    }
                    t += gap;
                }
                t = Math.Max(t - gap, last);
            }
        }
        t = Math.Max(t, last) + 200 + rng.Next(2000);
        switch (s.Close)
        {
            case TcpClose.Fin:
                a.Tcp(c, true, TcpFlags.Fin | TcpFlags.Ack);
                yield return t;
                t += s.Rtt;
                a.Tcp(c, false, TcpFlags.Fin | TcpFlags.Ack);
                yield return t;
                t += 40 + rng.Next(200);
                a.Tcp(c, true, TcpFlags.Ack);
                yield return t;
                break;
            case TcpClose.Reset:
                a.Tcp(c, true, TcpFlags.Rst | TcpFlags.Ack);
                yield return t;
                break;
        }
    }

    /// <summary>Client → resolver query; on a cache miss the resolver forwards to <paramref name="upstream"/> first.</summary>
    public static IEnumerator<long> DnsLookup(Activity a, SimHost client, SimHost resolver, SimHost upstream, long t,
                                              string name, DnsType type, bool miss, int answerCount, ReadOnlyMemory<byte> rdata, ushort id)
    {
        var rng = a.Rng;
        var c = new Connection(client, resolver, false, rng.EphemeralPort(), 53, rng);
        var scratch = a.World.Scratch;
        a.Udp(c, true, scratch.AsSpan(0, DnsWire.WriteQuery(scratch, id, name, type)));
        yield return t;
        t += 100 + rng.Next(400);
        if (miss)
        {
            var u = new Connection(resolver, upstream, false, rng.EphemeralPort(), 53, rng) { Counted = false };
            ushort upId = (ushort)rng.Next(65536);
            a.Udp(u, true, scratch.AsSpan(0, DnsWire.WriteQuery(scratch, upId, name, type)));
            yield return t;
            t += 4000 + rng.Next(40000);
            a.Udp(u, false, scratch.AsSpan(0, DnsWire.WriteResponse(scratch, upId, name, type, 300, rdata.Span, answerCount)));
            yield return t;
            t += 50 + rng.Next(150);
        }
        a.Udp(c, false, scratch.AsSpan(0, DnsWire.WriteResponse(scratch, id, name, type, 300, rdata.Span, answerCount)));
        yield return t;
    }

    /// <summary>Echo request/reply pairs, one a second.</summary>
    public static IEnumerator<long> Ping(Activity a, SimHost src, SimHost dst, bool v6, long t, int count, int payload, bool replies, long interval = 1_000_000)
    {
        var rng = a.Rng;
        v6 = v6 && src.V6 is not null && dst.V6 is not null;
        ushort ident = (ushort)rng.Next(65536);
        ushort ipIdSrc = (ushort)rng.Next(65536), ipIdDst = (ushort)rng.Next(65536);
        long rtt = 300 + rng.Next(30000);
        for (int i = 1; i <= count; i++)
        {
            int offset = rng.Next(ScenarioWorld.PayloadBlobLength);
            uint rest = ((uint)ident << 16) | (ushort)i;
            a.Icmp(src, dst, v6, ipIdSrc++, v6 ? Icmp6EchoRequest : IcmpEchoRequest, 0, rest, a.World.Blob.AsSpan(offset, payload), countOut: payload);
            yield return t;
            if (replies)
            {
                a.Icmp(dst, src, v6, ipIdDst++, v6 ? Icmp6EchoReply : IcmpEchoReply, 0, rest, a.World.Blob.AsSpan(offset, payload), countIn: payload);
                yield return t + rtt;
            }
            t += interval;
        }
    }

    /// <summary>UDP request/response pairs; an empty template means random bytes of the given length.</summary>
    public static IEnumerator<long> UdpExchange(Activity a, Connection c, long t, int pairs, int up, int down,
                                                ReadOnlyMemory<byte> upTemplate, ReadOnlyMemory<byte> downTemplate)
    {
        var rng = a.Rng;
        for (int i = 0; i < pairs; i++)
        {
            if (upTemplate.Length > 0)
                a.Udp(c, true, upTemplate.Span);
            else
                a.UdpRandom(c, true, up);
            yield return t;
            t += 2000 + rng.Next(40000);
            if (down > 0 || downTemplate.Length > 0)
            {
                if (downTemplate.Length > 0)
                    a.Udp(c, false, downTemplate.Span);
                else
                    a.UdpRandom(c, false, down);
                yield return t;
            }
            t += 100_000 + rng.Next(400_000);
        }
    }

    /// <summary>SYN to a closed port, answered by RST-ACK.</summary>
    public static IEnumerator<long> Rejected(Activity a, Connection c, long t)
    {
        a.Tcp(c, true, TcpFlags.Syn);
        yield return t;
        t += 200 + a.Rng.Next(800);
        c.ServerSeq = 0;
        c.ServerWindow = 0;
        a.Tcp(c, false, TcpFlags.Rst | TcpFlags.Ack);
        yield return t;
    }

    /// <summary>UDP datagram to a closed port, answered by ICMP port unreachable.</summary>
    public static IEnumerator<long> UdpUnreachable(Activity a, Connection c, long t, int payload)
    {
        a.UdpRandom(c, true, payload);
        yield return t;
        a.IcmpPortUnreachable(c.Server, c.Client, c.V6);
        yield return t + 150 + a.Rng.Next(500);
    }

    /// <summary>An NTP v4 client request or server response (48 bytes).</summary>
    public static byte[] NtpPacket(bool response, SimRandom rng)
    {
        var p = new byte[48];
        p[0] = response ? (byte)0x24 : (byte)0x23;   // LI 0, VN 4, mode 4 / 3
        p[1] = response ? (byte)2 : (byte)0;
        p[2] = 6;
        p[3] = 0xEC;
        if (response)
            BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(12), 0xC0000201);
        BinaryPrimitives.WriteUInt64BigEndian(p.AsSpan(40), rng.NextUInt64());
        return p;
    }
}
