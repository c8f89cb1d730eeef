using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace FlowForensics.Synthesis;

/// <summary>The hosts, shared payload bytes and pickers of one generation run.</summary>
internal sealed class ScenarioWorld
{
    public const int PayloadBlobLength = 1 << 16;
    private const byte WindowsTtl = 128, LinuxTtl = 64;
    private readonly Dictionary<uint, SimHost> _byV4 = [];
    private readonly HashSet<uint> _live = [];
    private readonly double[] _hostWeights;
    private readonly double[] _externalWeights;
    private int _createdExternals;

    public ScenarioWorld(ScenarioOptions options, SimRandom rng)
    {
        Options = options;
        Blob = new byte[PayloadBlobLength + FrameCrafter.MaxFrame];
        for (int i = 0; i < Blob.Length; i += 8)
            BinaryPrimitives.WriteUInt64LittleEndian(Blob.AsSpan(i), rng.NextUInt64());

        int n = options.InternalHosts;
        Internal = new SimHost[n];
        for (int i = 0; i < n; i++)
            Internal[i] = Register(ScenarioNetwork.InternalHost(i, n), live: true);
        Resolver = Register(ScenarioNetwork.Resolver, live: true);
        DomainController = Register(ScenarioNetwork.DomainController, live: true);
        FileServer = Register(ScenarioNetwork.FileServer, live: true);
        AdminWorkstation = Register(ScenarioNetwork.AdminWorkstation, live: true);
        Upstream = Register(ScenarioNetwork.UpstreamResolver, live: true);
        Ntp = Register(ScenarioNetwork.NtpServer, live: true);
        Update = Register(ScenarioNetwork.UpdateServer, live: true);
        External = new SimHost[Math.Clamp(n * 5, 50, 100_000)];
        for (int j = 0; j < External.Length; j++)
            External[j] = Register(ScenarioNetwork.ExternalServer(j), live: true);
        _hostWeights = ZipfCumulative(n, 0.7);
        _externalWeights = ZipfCumulative(External.Length, 1.05);
    }

    public ScenarioOptions Options { get; }
    public byte[] Blob { get; }
    public byte[] Scratch { get; } = new byte[FrameCrafter.MaxFrame];
    public SimHost[] Internal { get; }
    public SimHost[] External { get; }
    public SimHost Resolver { get; }
    public SimHost DomainController { get; }
    public SimHost FileServer { get; }
    public SimHost AdminWorkstation { get; }
    public SimHost Upstream { get; }
    public SimHost Ntp { get; }
    public SimHost Update { get; }

    private static double[] ZipfCumulative(int count, double s)
    {
        var cum = new double[count];
        double acc = 0;
        for (int k = 0; k < count; k++)
        {
            acc += 1.0 / Math.Pow(k + 1, s);
            cum[k] = acc;
        }
        return cum;
    }

    private static int PickCumulative(double[] cum, SimRandom rng)
    {
        double x = rng.NextDouble() * cum[^1];
        int i = Array.BinarySearch(cum, x);
        return Math.Min(i < 0 ? ~i : i, cum.Length - 1);
    }

    public SimHost PickInternal(SimRandom rng) => Internal[PickCumulative(_hostWeights, rng)];
    public SimHost PickExternal(SimRandom rng) => External[PickCumulative(_externalWeights, rng)];

    /// <summary>Payload bytes: a slice of the shared random blob.</summary>
    public ReadOnlySpan<byte> Payload(SimRandom rng, int length) => Blob.AsSpan(rng.Next(PayloadBlobLength), length);

    public bool IsLive(SimHost host) => _live.Contains(Key(host.Address));

    /// <summary>The host with this IPv4 address: a known one, or a new one (not live: it never answers probes).</summary>
    public SimHost Resolve(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException($"Behaviour addresses must be IPv4: {address}", nameof(address));
        return _byV4.TryGetValue(Key(address), out var host) ? host : Register(address, live: false);
    }

    /// <summary>A fresh external host for many-source behaviours (upper half of 198.19.0.0/16).</summary>
    public SimHost NewExternalSource()
    {
        int k = _createdExternals++;
        return Resolve(new IPAddress(new byte[] { 198, 19, (byte)(128 + (k / 250) % 128), (byte)(k % 250 + 2) }));
    }

    private static uint Key(IPAddress a) => BinaryPrimitives.ReadUInt32BigEndian(a.GetAddressBytes());

    private static bool IsPrivate(byte[] b) => b[0] == 10 || (b[0] == 172 && (b[1] & 0xF0) == 16) || (b[0] == 192 && b[1] == 168);

    private SimHost Register(IPAddress v4, bool live)
    {
        byte[] b = v4.GetAddressBytes();
        bool external = !IsPrivate(b);
        var v6 = new byte[16];
        // internal: 2001:db8:20:<seg>::<host>; external: 2001:db8:ff:<a.b>::<c.d>
        BinaryPrimitives.WriteUInt32BigEndian(v6, 0x20010DB8);
        if (external)
        {
            BinaryPrimitives.WriteUInt16BigEndian(v6.AsSpan(4), 0x00FF);
            v6[6] = b[0];
            v6[7] = b[1];
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(v6.AsSpan(4), 0x0020);
            v6[7] = b[2];
        }
        v6[14] = external ? b[2] : (byte)0;
        v6[15] = b[3];
        ulong mac = 0x022000000000UL | ((ulong)b[1] << 16) | ((ulong)b[2] << 8) | b[3];
        ushort vlan = !external && Options.VlanTagging && b[0] == 10 && b[1] == 20 && (b[2] & 1) == 1 ? (ushort)(100 + b[2]) : (ushort)0;
        byte ttl = external ? ((b[3] & 1) == 0 ? LinuxTtl : WindowsTtl) : (b[3] % 3 == 0 ? LinuxTtl : WindowsTtl);
        var host = new SimHost(v4, new IPAddress(v6), mac, vlan, external, ttl);
        _byV4[Key(v4)] = host;
        if (live)
            _live.Add(Key(v4));
        return host;
    }
}
