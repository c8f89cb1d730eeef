using System.Net;
using FlowForensics.Flows;
using FlowForensics.Query;
using Xunit;

namespace FlowForensics.Tests.Query;

/// <summary>Each primitive and operator on hand-made records, including the 1.7.8 forms Debian's 1.7.1 cannot check.</summary>
public sealed class FilterSemanticsTests
{
    private static readonly DateTime T0 = new(2024, 7, 11, 9, 15, 0, DateTimeKind.Utc);

    private static FlowRecord Tcp(string src = "10.0.0.5", string dst = "93.184.216.34", ushort sp = 50000, ushort dp = 443,
                                  TcpFlags flags = TcpFlags.Ack | TcpFlags.Psh, long packets = 10, long bytes = 5000, int ms = 2000) => new()
    {
        SrcAddr = IPAddress.Parse(src),
        DstAddr = IPAddress.Parse(dst),
        SrcPort = sp,
        DstPort = dp,
        Protocol = IpProtocolNames.Tcp,
        TcpFlags = flags,
        Packets = packets,
        Bytes = bytes,
        Start = T0,
        End = T0.AddMilliseconds(ms),
    };

    private static bool M(string filter, FlowRecord flow) => FlowFilter.Compile(filter).Matches(flow);

    [Theory]
    [InlineData("host 10.0.0.5", true)]
    [InlineData("ip 93.184.216.34", true)]
    [InlineData("src ip 10.0.0.5", true)]
    [InlineData("dst ip 10.0.0.5", false)]
    [InlineData("src or dst ip 93.184.216.34", true)]
    [InlineData("src and dst ip 10.0.0.5", false)]
    [InlineData("not host 10.0.0.5", false)]
    [InlineData("host 10.0.0.6", false)]
    [InlineData("net 10.0.0.0/8", true)]
    [InlineData("src net 10.0.0.0/8 and not dst net 10.0.0.0/8", true)]
    [InlineData("dst net 93.184.0.0 255.255.0.0", true)]
    [InlineData("net 10.0.0.5/8", true)]
    [InlineData("net 10/8", true)]
    [InlineData("net 11.0.0.0/8", false)]
    [InlineData("not net 10.0.0.0/8", false)]
    [InlineData("src and dst net 0.0.0.0/0", true)]
    [InlineData("net 2001:db8::/32", false)]
    [InlineData("ip in [198.51.100.7 10.0.0.0/24 2001:db8::/32]", true)]
    [InlineData("dst ip in [10.0.0.0/24]", false)]
    [InlineData("src and dst ip in [10.0.0.0/8 93.184.216.0/24]", true)]
    [InlineData("ipv4", true)]
    [InlineData("inet6", false)]
    public void AddressPrimitivesAreSrcOrDstUnlessQualified(string filter, bool expected) =>
        Assert.Equal(expected, M(filter, Tcp()));

    [Theory]
    [InlineData("host 2001:db8::1", true)]
    [InlineData("net 2001:db8::/32", true)]
    [InlineData("net 2001:db8:1::/48", false)]
    [InlineData("src net 2001:db8::/127", true)]
    [InlineData("ip in [2001:db8::/64, 10.0.0.0/8]", true)]
    [InlineData("ipv6", true)]
    [InlineData("net 0.0.0.0/0", false)]
    public void IPv6Addresses(string filter, bool expected) =>
        Assert.Equal(expected, M(filter, Tcp(src: "2001:db8::1", dst: "2001:db8:ffff::2")));

    [Theory]
    [InlineData("port 443", true)]
    [InlineData("port 50000", true)]
    [InlineData("src port 443", false)]
    [InlineData("dst port 443", true)]
    [InlineData("port > 49999", true)]
    [InlineData("dst port > 443", false)]
    [InlineData("dst port >= 443", true)]
    [InlineData("dst port <= 442", false)]
    [InlineData("src port < 50001", true)]
    [InlineData("port in [22 443]", true)]
    [InlineData("src port in [22 443]", false)]
    [InlineData("src and dst port in [443 50000]", true)]
    [InlineData("src and dst port 443", false)]
    [InlineData("not port 443", false)]
    public void Ports(string filter, bool expected) => Assert.Equal(expected, M(filter, Tcp()));

    [Theory]
    [InlineData("proto tcp", true)]
    [InlineData("proto 6", true)]
    [InlineData("proto TCP", true)]
    [InlineData("proto udp", false)]
    [InlineData("not proto udp", true)]
    public void Protocols(string filter, bool expected) => Assert.Equal(expected, M(filter, Tcp()));

    [Theory]
    [InlineData("proto icmp6", 58)]
    [InlineData("proto ipv6", 41)]
    [InlineData("proto gre", 47)]
    [InlineData("proto esp", 50)]
    [InlineData("proto ah", 51)]
    [InlineData("proto sctp", 132)]
    [InlineData("proto icmp", 1)]
    [InlineData("proto 0x11", 17)]
    public void ProtocolNames(string filter, byte protocol)
    {
        var flow = Tcp();
        flow.Protocol = protocol;
        Assert.True(M(filter, flow));
        flow.Protocol = (byte)(protocol + 1);
        Assert.False(M(filter, flow));
    }

    [Theory]
    [InlineData(TcpFlags.Syn, "flags S", true)]
    [InlineData(TcpFlags.Syn, "flags S and not flags AFRPU", true)]
    [InlineData(TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Fin | TcpFlags.Psh, "flags S and not flags AFRPU", false)]
    [InlineData(TcpFlags.Syn | TcpFlags.Ack, "flags S and not flags A", false)]
    [InlineData(TcpFlags.Syn | TcpFlags.Ack, "flags SA", true)]
    [InlineData(TcpFlags.Syn, "flags SA", false)]
    [InlineData(TcpFlags.Syn, "not flags SA", false)]
    [InlineData(TcpFlags.Fin, "not flags SA", true)]
    [InlineData(TcpFlags.Syn, "not not flags SA", false)]
    [InlineData(TcpFlags.Syn | TcpFlags.Ack, "not (flags S or flags A)", false)]
    [InlineData(TcpFlags.Syn, "flags =S", true)]
    [InlineData(TcpFlags.Syn | TcpFlags.Ece, "flags =S", false)]
    [InlineData(TcpFlags.Syn | TcpFlags.Ece, "flags SE", true)]
    [InlineData(TcpFlags.Syn | TcpFlags.Ack, "flags 18", true)]
    [InlineData(TcpFlags.Syn | TcpFlags.Ack, "flags 0x12", true)]
    [InlineData(TcpFlags.Syn | TcpFlags.Ack, "flags > 16", true)]
    [InlineData(TcpFlags.Syn | TcpFlags.Ack, "not flags 18", false)]
    [InlineData((TcpFlags)63, "flags X", true)]
    [InlineData((TcpFlags)31, "flags X", false)]
    public void TcpFlagsFollowNfdump171AndTheManPage(TcpFlags flags, string filter, bool expected) =>
        Assert.Equal(expected, M(filter, Tcp(flags: flags)));

    [Fact]
    public void FlagsImplyTcp()
    {
        var udp = Tcp(flags: TcpFlags.Syn);
        udp.Protocol = IpProtocolNames.Udp;
        Assert.False(M("flags S", udp));
        Assert.False(M("flags 2", udp));
        Assert.False(M("flags =S", udp));
        Assert.True(M("not flags S", udp));
    }

    [Theory]
    [InlineData("bytes 5000", true)]
    [InlineData("bytes > 4k", true)]
    [InlineData("bytes > 5k", false)]
    [InlineData("in bytes >= 5000", true)]
    [InlineData("packets 10", true)]
    [InlineData("packets < 4", false)]
    [InlineData("out bytes > 0", true)]
    [InlineData("out bytes 700", true)]
    [InlineData("out packets 7", true)]
    [InlineData("duration 2000", true)]
    [InlineData("duration > 1999", true)]
    [InlineData("pps 5", true)]
    [InlineData("bps 20000", true)]
    [InlineData("bps > 20k", false)]
    [InlineData("bpp 500", true)]
    [InlineData("flows 1", true)]
    [InlineData("flows > 1", false)]
    public void CountersAndRates(string filter, bool expected)
    {
        var flow = Tcp();
        flow.OutBytes = 700;
        flow.OutPackets = 7;
        Assert.Equal(expected, M(filter, flow));
    }

    [Fact]
    public void RatesUseIntegerDivisionAndAreZeroWithoutDuration()
    {
        var flow = Tcp(packets: 7, bytes: 1001, ms: 3);
        Assert.True(M("pps 2333", flow));  // 1000*7/3
        Assert.True(M("bps 2669333", flow)); // 8000*1001/3
        Assert.True(M("bpp 143", flow));    // 1001/7
        var instant = Tcp(packets: 7, bytes: 1001, ms: 0);
        Assert.True(M("pps 0 and bps 0 and duration 0", instant));
        Assert.False(M("pps > 0", instant));
        var empty = Tcp(packets: 0, bytes: 0);
        Assert.True(M("bpp 0", empty));
    }

    [Fact]
    public void IcmpTypeAndCodeImplyIcmp()
    {
        var echo = Tcp(sp: 0, dp: 8 * 256);
        echo.Protocol = IpProtocolNames.Icmp;
        Assert.True(M("icmp-type 8", echo));
        Assert.True(M("icmp type 8 and icmp code 0", echo));
        Assert.True(M("icmp-type >= 8", echo));
        Assert.False(M("icmp-type 3", echo));
        var unreachable = Tcp(sp: 0, dp: 3 * 256 + 3);
        unreachable.Protocol = IpProtocolNames.Icmp6;
        Assert.True(M("icmp type 3 and icmp code 3", unreachable));
        var tcp = Tcp(dp: 8 * 256);
        Assert.False(M("icmp-type 8", tcp));
    }

    [Fact]
    public void ExporterFields()
    {
        var f = Tcp();
        f.SrcAs = 3303; f.DstAs = 15169; f.PrevAs = 100; f.NextAs = 200;
        f.InputInterface = 5; f.OutputInterface = 7;
        f.SrcVlan = 100; f.DstVlan = 200;
        f.SrcMask = 24; f.DstMask = 16;
        f.SrcTos = 8; f.DstTos = 16;
        f.NextHop = IPAddress.Parse("192.0.2.254");
        f.BgpNextHop = IPAddress.Parse("192.0.2.253");
        f.Exporter = IPAddress.Parse("192.0.2.1");
        f.EngineType = 1; f.EngineId = 2; f.ExporterId = 3;
        f.ForwardingStatus = 64; f.Direction = FlowDirection.Egress;
        f.MinTtl = 3; f.MaxTtl = 60;
        string[] yes =
        [
            "as 3303", "src as 3303", "dst as 15169", "src as 3303 or dst as in [13335 15169]", "as in [15169]", "prev as 100",
            "next as 200", "as > 15000", "src and dst as > 3000",
            "if 5", "if 7", "in if 5", "out if 7", "in if 5 and not out if 5",
            "vlan 100", "vlan 200", "src vlan 100", "dst vlan 200",
            "mask 24", "src mask 24", "dst mask 16",
            "tos 8", "src tos 8", "dst tos 16", "tos > 7",
            "next ip 192.0.2.254", "bgp next ip 192.0.2.253", "router ip 192.0.2.1", "next ip in [192.0.2.0/24]",
            "engine-type 1", "engine-id 2", "engine type 1", "engine id 2", "exporter id 3", "exporter sysid 3",
            "fwdstat 64", "flowdir 1", "flowdir egress",
            "ttl < 5", "ttl 60", "min ttl 3", "max ttl > 50", "not min ttl > 3",
        ];
        string[] no =
        [
            "as 1", "src as 15169", "dst as 3303", "prev as 200", "src and dst as 3303",
            "if 6", "in if 7", "out if 5", "vlan 300", "src vlan 200", "mask 8", "src mask 16",
            "tos 16", "dst tos 8", "next ip 192.0.2.1", "router ip 192.0.2.254", "engine-type 2", "exporter id 4",
            "flowdir ingress", "ttl 30", "min ttl > 3",
        ];
        foreach (var filter in yes) Assert.True(M(filter, f), filter);
        foreach (var filter in no) Assert.False(M(filter, f), filter);
    }

    [Fact]
    public void MissingFieldsMakeThePrimitiveFalse()
    {
        var f = Tcp();
        Assert.False(M("next ip 0.0.0.0", f));
        Assert.False(M("router ip 0.0.0.0", f));
        Assert.False(M("bgp next ip in [0.0.0.0/0]", f));
        Assert.True(M("not router ip 192.0.2.1", f));
        Assert.False(M("mac 00:00:00:00:00:00", f));
        Assert.False(M("in src mac 00:11:22:33:44:55", f));
    }

    [Fact]
    public void MacQualifiers()
    {
        var f = Tcp();
        f.SrcMacValue = 0x001122334455;
        f.DstMacValue = 0x00AABBCCDDEE;
        f.OutSrcMacValue = 0x020000000001;
        f.OutDstMacValue = 0x020000000002;
        Assert.True(M("mac 00:11:22:33:44:55", f));
        Assert.True(M("in src mac 00:11:22:33:44:55", f));
        Assert.False(M("in dst mac 00:11:22:33:44:55", f));
        Assert.True(M("in dst mac 00:aa:bb:cc:dd:ee", f));
        Assert.True(M("src mac 02:00:00:00:00:01", f));
        Assert.True(M("out src mac 02:00:00:00:00:01", f));
        Assert.False(M("out dst mac 02:00:00:00:00:01", f));
        Assert.True(M("dst mac 02-00-00-00-00-02", f));
        Assert.True(M("in mac 00:AA:BB:CC:DD:EE", f));
        Assert.False(M("out mac 00:aa:bb:cc:dd:ee", f));
    }

    [Theory]
    [InlineData("first seen >= 2024-07-11T09:15 and last seen <= 2024-07-11T10:00", true)]
    [InlineData("first seen > 2024-07-11T09:15", false)]
    [InlineData("first seen = 2024-07-11T09:15:00.000", true)]
    [InlineData("first seen >= 2024-07-11T09", true)]
    [InlineData("last seen > 2024-07-11T09:15:01.999", true)]
    [InlineData("last seen > 2024-07-11T09:15:02", false)]
    [InlineData("first seen >= 2024/07/11.09:15:00", true)]
    [InlineData("first seen < 2024-07-11", false)]
    [InlineData("last seen < '2024-07-12'", true)]
    public void FirstAndLastSeenAreUtc(string filter, bool expected) => Assert.Equal(expected, M(filter, Tcp()));

    [Fact]
    public void CompiledFilterIsReusableAndThreadSafe()
    {
        var f = FlowFilter.Compile("proto tcp and dst port in [22 443] and not net 192.168.0.0/16");
        var flows = Enumerable.Range(0, 10_000).Select(i => Tcp(dp: (ushort)(i % 2 == 0 ? 443 : 80))).ToArray();
        int total = 0;
        Parallel.For(0, 4, _ =>
        {
            int n = 0;
            foreach (var flow in flows) if (f.Matches(flow)) n++;
            Interlocked.Add(ref total, n);
        });
        Assert.Equal(4 * 5_000, total);
    }

    [Fact]
    public void MatchingDoesNotAllocate()
    {
        var f = FlowFilter.Compile("(proto tcp and dst port in [ 22 80 443 445 3389 ] and flags S and not flags A) or (proto udp and port 53 and bytes > 100) or (src net 198.18.0.0/15 and packets > 10 and not dst net 10.1.0.0/24) or (inet6 and proto icmp6) or ip in [1.2.3.4 2001:db8::/32] or pps > 10 or as 5");
        var flow = Tcp();
        f.Matches(flow);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) f.Matches(flow);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
