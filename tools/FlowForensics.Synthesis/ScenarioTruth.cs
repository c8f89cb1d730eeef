using System.Globalization;
using System.Net;
using System.Text.Json;

namespace FlowForensics.Synthesis;

public enum BehaviourKind
{
    Beacon,
    Exfiltration,
    DnsTunnel,
    IcmpExfiltration,
    PortScan,
    PingSweep,
    LateralMovement,
    VolumeSurge,
}

/// <summary>What one injected behaviour put in the capture, measured on the frames actually emitted.</summary>
public sealed class BehaviourTruth
{
    internal BehaviourTruth(BehaviourKind kind, string label, byte protocol)
    {
        Kind = kind;
        Label = label;
        Protocol = protocol;
    }

    public BehaviourKind Kind { get; }
    public string Label { get; }
    /// <summary>The acting host (beacon, exfiltration and tunnel source, scanner, first host of a chain); null for a many-source surge.</summary>
    public IPAddress? Source { get; internal set; }
    /// <summary>Further acting hosts: a surge's sources, a chain's hosts in order.</summary>
    public IReadOnlyList<IPAddress> Sources => SourceList;
    public IReadOnlyList<IPAddress> Destinations => DestinationList;
    public IReadOnlyList<ushort> Ports => PortList;
    /// <summary>IANA protocol number (6 TCP, 17 UDP, 1 ICMP).</summary>
    public byte Protocol { get; }
    public TimeSpan? Period { get; internal set; }
    public double? Jitter { get; internal set; }
    /// <summary>Timestamp of the first and last frame the behaviour emitted.</summary>
    public DateTime FirstPacket { get; internal set; }
    public DateTime LastPacket { get; internal set; }
    /// <summary>Application payload bytes sent by the acting side, and received by it.</summary>
    public long BytesOut { get; internal set; }
    public long BytesIn { get; internal set; }
    public long Packets { get; internal set; }
    /// <summary>Bytes of the emitted frames (Ethernet included).</summary>
    public long FrameBytes { get; internal set; }
    /// <summary>Sessions (beats, chunks, hops), queries or probes sent.</summary>
    public int Sessions { get; internal set; }
    /// <summary>Beacon only: scheduled beats that were skipped.</summary>
    public int MissedBeats { get; internal set; }
    /// <summary>Start of each session (beacon beats, exfiltration chunks, lateral hops), in order.</summary>
    public IReadOnlyList<DateTime> SessionStarts => SessionStartList;
    /// <summary>Scan and sweep: targets that answered; open ports seen ("addr:port" for scans).</summary>
    public IReadOnlyList<IPAddress> RespondingHosts => RespondingList;
    public IReadOnlyList<string> OpenServices => OpenList;
    public string? Domain { get; internal set; }
    public string? Detail { get; internal set; }

    internal List<IPAddress> SourceList { get; } = [];
    internal List<IPAddress> DestinationList { get; } = [];
    internal List<ushort> PortList { get; } = [];
    internal List<DateTime> SessionStartList { get; } = [];
    internal List<IPAddress> RespondingList { get; } = [];
    internal List<string> OpenList { get; } = [];

    internal void Count(DateTime timestamp, int frameLength)
    {
        if (Packets == 0)
            FirstPacket = timestamp;
        LastPacket = timestamp;
        Packets++;
        FrameBytes += frameLength;
    }
}

/// <summary>The ground truth of a generated capture: totals and one entry per injected behaviour.</summary>
public sealed class ScenarioTruth
{
    internal ScenarioTruth(ScenarioOptions options, IReadOnlyList<BehaviourTruth> behaviours)
    {
        Seed = options.Seed;
        StartUtc = options.StartUtc;
        EndUtc = options.StartUtc + options.Duration;
        InternalHosts = options.InternalHosts;
        Behaviours = behaviours;
    }

    public ulong Seed { get; }
    public DateTime StartUtc { get; }
    public DateTime EndUtc { get; }
    public int InternalHosts { get; }
    public long Packets { get; internal set; }
    public long FrameBytes { get; internal set; }
    public long BackgroundPackets { get; internal set; }
    public long BackgroundSessions { get; internal set; }
    /// <summary>Background sessions not started because <see cref="ScenarioOptions.MaxConcurrentSessions"/> was reached.</summary>
    public long SessionsNotStarted { get; internal set; }
    /// <summary>The most sessions and drivers ever in flight at once: generation memory is proportional to it.</summary>
    public int PeakActiveScripts { get; internal set; }
    public IReadOnlyList<BehaviourTruth> Behaviours { get; }

    public string ToJson()
    {
        using var stream = new MemoryStream();
        WriteJson(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    public void WriteJson(Stream stream)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("generator", "FlowForensics.Synthesis");
        w.WriteNumber("seed", Seed);
        w.WriteString("start", Time(StartUtc));
        w.WriteString("end", Time(EndUtc));
        w.WriteNumber("internalHosts", InternalHosts);
        w.WriteNumber("packets", Packets);
        w.WriteNumber("frameBytes", FrameBytes);
        w.WriteNumber("backgroundPackets", BackgroundPackets);
        w.WriteNumber("backgroundSessions", BackgroundSessions);
        w.WriteNumber("sessionsNotStarted", SessionsNotStarted);
        w.WriteNumber("peakActiveScripts", PeakActiveScripts);
        w.WriteStartArray("behaviours");
        foreach (var b in Behaviours)
            WriteBehaviour(w, b);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static string Time(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static void WriteBehaviour(Utf8JsonWriter w, BehaviourTruth b)
    {
        w.WriteStartObject();
        w.WriteString("kind", b.Kind.ToString());
        w.WriteString("label", b.Label);
        if (b.Source is not null)
            w.WriteString("source", b.Source.ToString());
        WriteAddresses(w, "sources", b.Sources);
        WriteAddresses(w, "destinations", b.Destinations);
        w.WriteStartArray("ports");
        foreach (ushort p in b.Ports)
            w.WriteNumberValue(p);
        w.WriteEndArray();
        w.WriteNumber("protocol", b.Protocol);
        if (b.Period is { } period)
            w.WriteNumber("periodSeconds", period.TotalSeconds);
        if (b.Jitter is { } jitter)
            w.WriteNumber("jitter", jitter);
        if (b.Domain is not null)
            w.WriteString("domain", b.Domain);
        if (b.Detail is not null)
            w.WriteString("detail", b.Detail);
        w.WriteString("firstPacket", Time(b.FirstPacket));
        w.WriteString("lastPacket", Time(b.LastPacket));
        w.WriteNumber("sessions", b.Sessions);
        w.WriteNumber("missedBeats", b.MissedBeats);
        w.WriteNumber("packets", b.Packets);
        w.WriteNumber("frameBytes", b.FrameBytes);
        w.WriteNumber("bytesOut", b.BytesOut);
        w.WriteNumber("bytesIn", b.BytesIn);
        w.WriteStartArray("sessionStarts");
        foreach (var t in b.SessionStarts)
            w.WriteStringValue(Time(t));
        w.WriteEndArray();
        WriteAddresses(w, "respondingHosts", b.RespondingHosts);
        w.WriteStartArray("openServices");
        foreach (string s in b.OpenServices)
            w.WriteStringValue(s);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteAddresses(Utf8JsonWriter w, string name, IReadOnlyList<IPAddress> list)
    {
        w.WriteStartArray(name);
        foreach (var a in list)
            w.WriteStringValue(a.ToString());
        w.WriteEndArray();
    }
}
