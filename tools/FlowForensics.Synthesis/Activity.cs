using FlowForensics.Flows;

namespace FlowForensics.Synthesis;

/// <summary>
/// One running script (a session or a spawner) in the scheduler: its random stream, the frame it will emit at its
/// next timestamp, and the behaviour its frames belong to (null = background).
/// </summary>
internal sealed class Activity
{
    private byte[]? _frame;

    public Activity(Scheduler scheduler, SimRandom rng, BehaviourTruth? truth)
    {
        Scheduler = scheduler;
        Rng = rng;
        Truth = truth;
    }

    public Scheduler Scheduler { get; }
    public ScenarioWorld World => Scheduler.World;
    public SimRandom Rng { get; }
    public BehaviourTruth? Truth { get; }
    public IEnumerator<long>? Steps { get; set; }
    public int Length { get; set; }
    public long PendingOut { get; set; }
    public long PendingIn { get; set; }
    public byte[]? FrameBuffer => _frame;

    private Span<byte> Frame => _frame ??= Scheduler.RentBuffer();

    internal byte[]? ReleaseBuffer()
    {
        var f = _frame;
        _frame = null;
        return f;
    }

    /// <summary>Starts a child script that shares this activity's behaviour.</summary>
    public void Spawn(Func<Activity, IEnumerator<long>> script, BehaviourTruth? truth = null)
    {
        var child = new Activity(Scheduler, Rng.Fork(), truth ?? Truth);
        Scheduler.Start(child, script(child));
    }

    private void Account(Connection c, bool fromClient, int payload)
    {
        if (Truth is null || !c.Counted || payload == 0)
            return;
        if (fromClient)
            PendingOut += payload;
        else
            PendingIn += payload;
    }

    /// <summary>A TCP segment of the conversation carrying <paramref name="payloadLength"/> random bytes;
    /// sequence numbers advance, the ACK field acknowledges the other side.</summary>
    public void Tcp(Connection c, bool fromClient, TcpFlags flags, int payloadLength = 0)
    {
        var payload = payloadLength == 0 ? [] : World.Payload(Rng, payloadLength);
        TcpWith(c, fromClient, flags, payload);
    }

    /// <summary>A TCP segment carrying bytes [<paramref name="offset"/>, +<paramref name="payloadLength"/>) of
    /// <paramref name="flight"/>: random bytes framed as its application protocol (same random draws as <see cref="Tcp"/>).</summary>
    public void TcpFramed(Connection c, bool fromClient, TcpFlags flags, int payloadLength, in Flight flight, long offset)
    {
        var payload = World.Scratch.AsSpan(0, payloadLength);
        World.Payload(Rng, payloadLength).CopyTo(payload);
        AppFraming.Apply(payload, offset, flight);
        TcpWith(c, fromClient, flags, payload);
    }

    public void TcpWith(Connection c, bool fromClient, TcpFlags flags, ReadOnlySpan<byte> payload)
    {
        uint seq = fromClient ? c.ClientSeq : c.ServerSeq;
        uint ack = (flags & TcpFlags.Ack) != 0 ? (fromClient ? c.ServerSeq : c.ClientSeq) : 0;
        uint advance = (uint)payload.Length + ((flags & (TcpFlags.Syn | TcpFlags.Fin)) != 0 ? 1u : 0u);
        if (fromClient)
        {
            Length = FrameCrafter.Tcp(Frame, c.Client, c.Server, c.V6, c.ClientIpId++, c.ClientPort, c.ServerPort, seq, ack, flags, c.ClientWindow, payload);
            c.ClientSeq = seq + advance;
        }
        else
        {
            Length = FrameCrafter.Tcp(Frame, c.Server, c.Client, c.V6, c.ServerIpId++, c.ServerPort, c.ClientPort, seq, ack, flags, c.ServerWindow, payload);
            c.ServerSeq = seq + advance;
        }
        Account(c, fromClient, payload.Length);
    }

    /// <summary>A TCP segment outside any conversation state (scan probes and their answers).</summary>
    public void TcpRaw(SimHost src, SimHost dst, ushort srcPort, ushort dstPort, uint seq, uint ack, TcpFlags flags, ushort window) =>
        Length = FrameCrafter.Tcp(Frame, src, dst, false, (ushort)Rng.Next(65536), srcPort, dstPort, seq, ack, flags, window, []);

    public void Udp(Connection c, bool fromClient, ReadOnlySpan<byte> payload)
    {
        Length = fromClient
            ? FrameCrafter.Udp(Frame, c.Client, c.Server, c.V6, c.ClientIpId++, c.ClientPort, c.ServerPort, payload)
            : FrameCrafter.Udp(Frame, c.Server, c.Client, c.V6, c.ServerIpId++, c.ServerPort, c.ClientPort, payload);
        Account(c, fromClient, payload.Length);
    }

    public void UdpRandom(Connection c, bool fromClient, int payloadLength) => Udp(c, fromClient, World.Payload(Rng, payloadLength));

    public void Icmp(SimHost src, SimHost dst, bool v6, ushort ipId, byte type, byte code, uint rest, ReadOnlySpan<byte> body, long countOut = 0, long countIn = 0)
    {
        Length = FrameCrafter.Icmp(Frame, src, dst, v6, ipId, type, code, rest, body);
        if (Truth is not null)
        {
            PendingOut += countOut;
            PendingIn += countIn;
        }
    }

    /// <summary>ICMP port unreachable from <paramref name="from"/> quoting the frame this activity emitted last.</summary>
    public void IcmpPortUnreachable(SimHost from, SimHost to, bool v6)
    {
        Span<byte> quote = stackalloc byte[FrameCrafter.Ipv6Header + 8];
        var q = FrameCrafter.QuoteForIcmpError(Frame);
        q.CopyTo(quote);
        // ICMPv6 destination unreachable (1) code 4 port unreachable; ICMP type 3 code 3.
        Icmp(from, to, v6, (ushort)Rng.Next(65536), v6 ? (byte)1 : (byte)3, v6 ? (byte)4 : (byte)3, 0, quote[..q.Length]);
    }
}
