namespace FlowForensics.Synthesis;

/// <summary>Both ends of one TCP/UDP conversation and their running sequence numbers and IP ids.</summary>
internal sealed class Connection
{
    public const ushort ClientWindowDefault = 64240;
    public const ushort ServerWindowDefault = 65160;

    public Connection(SimHost client, SimHost server, bool v6, ushort clientPort, ushort serverPort, SimRandom rng)
    {
        Client = client;
        Server = server;
        V6 = v6 && client.V6 is not null && server.V6 is not null;
        ClientPort = clientPort;
        ServerPort = serverPort;
        ClientSeq = rng.NextUInt32();
        ServerSeq = rng.NextUInt32();
        ClientIpId = (ushort)rng.Next(65536);
        ServerIpId = (ushort)rng.Next(65536);
        Mss = V6 ? 1440 : 1460;
    }

    public SimHost Client { get; }
    public SimHost Server { get; }
    public bool V6 { get; }
    public ushort ClientPort { get; }
    public ushort ServerPort { get; }
    public uint ClientSeq { get; set; }
    public uint ServerSeq { get; set; }
    public ushort ClientIpId { get; set; }
    public ushort ServerIpId { get; set; }
    public ushort ClientWindow { get; set; } = ClientWindowDefault;
    public ushort ServerWindow { get; set; } = ServerWindowDefault;
    public int Mss { get; }
    /// <summary>Whether payload on this conversation counts toward the behaviour's bytes (false for a resolver's forward leg).</summary>
    public bool Counted { get; init; } = true;
}
