namespace FlowForensics.Synthesis;

/// <summary>Ordinary traffic: Poisson-arriving sessions of a realistic mix, plus benign periodic chatter.</summary>
internal static class Background
{
    private static readonly string[] Names =
    [
        "www.example.com", "api.example.net", "cdn.example.org", "login.example.com", "mail.example.net",
        "static.example.org", "img.example.com", "update.example.net", "telemetry.example.org", "fonts.example.com",
        "news.example.org", "wiki.example.com", "git.example.net", "files.example.org", "video.example.com",
        "auth.example.net", "ocsp.example.org", "time.example.com", "dc01.corp.example", "fs01.corp.example",
        "proxy.corp.example", "printer7.corp.example", "intranet.corp.example", "crm.example.net",
    ];

    private enum Kind
    {
        Https, Http, Dns, Smb, Ldap, Kerberos, Rpc, Admin, Ping, Rejected, Unreachable,
    }

    // Relative weights by session count.
    private static readonly (Kind Kind, double Weight)[] Mix =
    [
        (Kind.Https, 36), (Kind.Http, 5), (Kind.Dns, 32), (Kind.Smb, 7), (Kind.Ldap, 5), (Kind.Kerberos, 4),
        (Kind.Rpc, 1.5), (Kind.Admin, 1.5), (Kind.Ping, 3), (Kind.Rejected, 3), (Kind.Unreachable, 2),
    ];

    private static readonly ushort[] AdminPorts = [5985, 3389, 22, 445];
    private static readonly ushort[] ClosedPorts = [8080, 9100, 5900, 1433, 8888];

    /// <summary>Starts the background spawners on the scheduler.</summary>
    public static void Start(Scheduler scheduler, SimRandom rng, ScenarioTruth truth, long end)
    {
        var world = scheduler.World;
        var o = world.Options;
        if (o.BackgroundSessionsPerSecond > 0)
        {
            var a = new Activity(scheduler, rng.Fork(), null);
            scheduler.Start(a, Spawner(a, truth, end));
        }
        // Benign periodic traffic: NTP every 64 s from some hosts, update checks with large jitter from others.
        int ntpHosts = Math.Clamp(world.Internal.Length / 10, 1, 50);
        for (int i = 0; i < ntpHosts; i++)
        {
            var host = world.Internal[(i * 7) % world.Internal.Length];
            var a = new Activity(scheduler, rng.Fork(), null);
            scheduler.Start(a, Periodic(a, host, world.Ntp, 64_000_000, 0.005, end, ntp: true));
        }
        int updateHosts = Math.Clamp(world.Internal.Length / 8, 1, 60);
        for (int i = 0; i < updateHosts; i++)
        {
            var host = world.Internal[(i * 5 + 3) % world.Internal.Length];
            var a = new Activity(scheduler, rng.Fork(), null);
            scheduler.Start(a, Periodic(a, host, world.Update, 300_000_000, 0.4, end, ntp: false));
        }
    }

    private static IEnumerator<long> Spawner(Activity a, ScenarioTruth truth, long end)
    {
        var rng = a.Rng;
        var world = a.World;
        double meanGap = 1e6 / world.Options.BackgroundSessionsPerSecond;
        double total = 0;
        foreach (var m in Mix)
            total += m.Weight;
        long t = 0;
        while (true)
        {
            t += 1 + (long)rng.Exponential(meanGap);
            if (t >= end)
                yield break;
            yield return t;
            if (a.Scheduler.Active >= world.Options.MaxConcurrentSessions)
            {
                truth.SessionsNotStarted++;
                continue;
            }
            double x = rng.NextDouble() * total;
            Kind kind = Mix[^1].Kind;
            foreach (var m in Mix)
            {
                if (x < m.Weight)
                {
                    kind = m.Kind;
                    break;
                }
                x -= m.Weight;
            }
            truth.BackgroundSessions++;
            long start = t;
            a.Spawn(child => Session(child, kind, start));
        }
    }

    private static IEnumerator<long> Periodic(Activity a, SimHost host, SimHost server, long period, double jitter, long end, bool ntp)
    {
        var rng = a.Rng;
        long t = rng.Next((int)Math.Min(int.MaxValue, period));
        while (t < end)
        {
            yield return t;
            long start = t;
            if (ntp)
                a.Spawn(child => Scripts.UdpExchange(child, new Connection(host, server, false, 123, 123, child.Rng), start, 1, 48, 48,
                                                     Scripts.NtpPacket(false, child.Rng), Scripts.NtpPacket(true, child.Rng)));
            else
                a.Spawn(child => Scripts.TcpSession(child, new Connection(host, server, false, child.Rng.EphemeralPort(), 443, child.Rng), start,
                                                    TcpShape.Exchange(20_000 + child.Rng.Next(20_000), 500 + child.Rng.Next(300), 2000 + child.Rng.Next(3000))));
            t += (long)(period * (1 + rng.Uniform(-jitter, jitter)));
        }
    }

    private static long HeavyTail(SimRandom rng, double scale, double alpha, long cap) => Math.Min(cap, (long)rng.Pareto(scale, alpha));

    private static IEnumerator<long> Session(Activity a, Kind kind, long t)
    {
        var rng = a.Rng;
        var w = a.World;
        var o = w.Options;
        var client = w.PickInternal(rng);
        switch (kind)
        {
            case Kind.Https:
            case Kind.Http:
            {
                var server = w.PickExternal(rng);
                bool v6 = kind == Kind.Https && rng.Chance(o.Ipv6Share);
                var c = new Connection(client, server, v6, rng.EphemeralPort(), kind == Kind.Https ? (ushort)443 : (ushort)80, rng);
                bool upload = rng.Chance(0.08);
                long big = HeavyTail(rng, 3000, 1.2, o.MaxBackgroundTransferBytes);
                double r = rng.NextDouble();
                var shape = new TcpShape
                {
                    Rtt = 5_000 + (long)rng.Exponential(30_000),
                    SegmentGap = 80 + rng.Next(1500),
                    Rounds = 1 + (rng.Chance(0.3) ? rng.Next(1, 4) : 0),
                    UpMin = 150, UpMax = 900, DownMin = 200, DownMax = 6000,
                    BulkUp = upload ? big : 200 + rng.Next(800),
                    BulkDown = upload ? 100 + rng.Next(300) : big,
                    Think = 300_000,
                    Close = r < 0.88 ? TcpClose.Fin : r < 0.95 ? TcpClose.Reset : TcpClose.Open,
                };
                return Scripts.TcpSession(a, c, t, shape);
            }
            case Kind.Dns:
            {
                string name = Names[rng.Next(Names.Length)];
                if (rng.Chance(0.5))
                    name = "h" + rng.Next(400).ToString(System.Globalization.CultureInfo.InvariantCulture) + "." + name;
                bool aaaa = rng.Chance(0.2);
                int answers = 1;
                var server = w.PickExternal(rng);
                byte[] rdata = aaaa ? server.V6! : server.V4;
                return Scripts.DnsLookup(a, client, w.Resolver, w.Upstream, t, name, aaaa ? DnsType.Aaaa : DnsType.A,
                                         rng.Chance(0.3), answers, rdata, (ushort)rng.Next(65536));
            }
            case Kind.Smb:
            {
                bool write = rng.Chance(0.3);
                long big = HeavyTail(rng, 4000, 1.1, o.MaxBackgroundTransferBytes);
                var c = new Connection(client, w.FileServer, rng.Chance(o.Ipv6Share), rng.EphemeralPort(), 445, rng);
                return Scripts.TcpSession(a, c, t, new TcpShape
                {
                    Rtt = 200 + rng.Next(800), SegmentGap = 30 + rng.Next(200), Rounds = 2 + rng.Next(8),
                    UpMin = 100, UpMax = 600, DownMin = 100, DownMax = 1500,
                    BulkUp = write ? big : 300, BulkDown = write ? 120 : big, Think = 50_000, Close = TcpClose.Fin,
                });
            }
            case Kind.Ldap:
            case Kind.Kerberos:
            case Kind.Rpc:
            {
                ushort port = kind == Kind.Ldap ? (ushort)389 : kind == Kind.Kerberos ? (ushort)88 : (ushort)135;
                var c = new Connection(client, w.DomainController, false, rng.EphemeralPort(), port, rng);
                return Scripts.TcpSession(a, c, t, new TcpShape
                {
                    Rtt = 200 + rng.Next(800), SegmentGap = 50, Rounds = 1 + rng.Next(3),
                    UpMin = 100, UpMax = 1500, DownMin = 200, DownMax = kind == Kind.Ldap ? 6000 : 1700,
                    Think = 20_000, Close = TcpClose.Fin,
                });
            }
            case Kind.Admin:
            {
                ushort port = AdminPorts[rng.Next(AdminPorts.Length)];
                var c = new Connection(w.AdminWorkstation, client, false, rng.EphemeralPort(), port, rng);
                return Scripts.TcpSession(a, c, t, new TcpShape
                {
                    Rtt = 300 + rng.Next(700), SegmentGap = 100, Rounds = 3 + rng.Next(20),
                    UpMin = 60, UpMax = 1200, DownMin = 60, DownMax = 3000, Think = 400_000, Close = TcpClose.Fin,
                });
            }
            case Kind.Ping:
            {
                bool external = rng.Chance(0.6);
                var target = external ? w.PickExternal(rng) : w.Internal[rng.Next(w.Internal.Length)];
                if (target == client)
                    target = w.FileServer;
                return Scripts.Ping(a, client, target, rng.Chance(o.Ipv6Share * 2), t, 1 + rng.Next(4), Scripts.PingPayload, replies: true);
            }
            case Kind.Rejected:
            {
                var server = w.Internal[rng.Next(w.Internal.Length)];
                if (server == client)
                    server = w.FileServer;
                var c = new Connection(client, server, false, rng.EphemeralPort(), ClosedPorts[rng.Next(ClosedPorts.Length)], rng);
                return Scripts.Rejected(a, c, t);
            }
            default:
            {
                var server = w.Internal[rng.Next(w.Internal.Length)];
                if (server == client)
                    server = w.DomainController;
                var c = new Connection(client, server, false, rng.EphemeralPort(), (ushort)(30000 + rng.Next(2000)), rng);
                return Scripts.UdpUnreachable(a, c, t, 20 + rng.Next(60));
            }
        }
    }
}
