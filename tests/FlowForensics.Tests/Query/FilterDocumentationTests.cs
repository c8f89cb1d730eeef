using System.Text.RegularExpressions;
using FlowForensics.Flows;
using FlowForensics.Query;
using Xunit;

namespace FlowForensics.Tests.Query;

/// <summary>The filter documentation (about_FlowFilter, docs/filter-language.md) against the implementation.</summary>
public sealed class FilterDocumentationTests
{
    private static string AboutFile => Path.Combine(SharedData.RepoRoot, "module", "en-US", "about_FlowFilter.help.txt");

    [Fact]
    public void EveryExampleFilterOfAboutFlowFilterCompiles()
    {
        string text = File.ReadAllText(AboutFile);
        int examples = text.IndexOf("\nEXAMPLES", StringComparison.Ordinal);
        Assert.True(examples > 0, "no EXAMPLES section");
        var filters = Regex.Matches(text[examples..], @"-Filter '([^']*)'").Select(m => m.Groups[1].Value).ToList();
        Assert.True(filters.Count >= 5, $"found {filters.Count} example filters");
        foreach (var f in filters)
            Assert.True(FlowFilter.TryCompile(f, out _, out var error), $"'{f}': {error?.Message}");
    }

    [Fact]
    public void TheHelpTopicShipsWithTheModuleLayout()
    {
        string laidOut = Path.Combine(SharedData.RepoRoot, "out", "FlowForensics", "en-US", "about_FlowFilter.help.txt");
        Assert.True(File.Exists(laidOut), laidOut + " is missing: the module layout did not copy module/en-US");
        Assert.StartsWith("TOPIC", File.ReadAllText(laidOut), StringComparison.Ordinal);
    }

    [Fact]
    public void TheDocumentedChoicesHold()
    {
        var t0 = new DateTime(2024, 7, 11, 9, 15, 0, DateTimeKind.Utc);
        FlowRecord Tcp(TcpFlags flags) => new() { Protocol = 6, TcpFlags = flags, Start = t0, End = t0.AddSeconds(1), Packets = 1, Bytes = 40 };
        var udp = new FlowRecord { Protocol = 17, Start = t0, End = t0, Packets = 1, Bytes = 40 };

        // 1.7.1's SYN-only idiom; "not flags A" holds for non-TCP flows
        var synOnly = FlowFilter.Compile("flags S and not flags AFRPU");
        Assert.True(synOnly.Matches(Tcp(TcpFlags.Syn)));
        Assert.False(synOnly.Matches(Tcp(TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Fin | TcpFlags.Psh)));
        Assert.True(FlowFilter.Compile("not flags A").Matches(udp));
        // host bits are masked, never "matches nothing"
        Assert.Equal("net 10.0.0.0/8", FlowFilter.Parse("net 10.0.0.5/8").ToString());
        Assert.Equal("net 10.0.0.0/8", FlowFilter.Parse("net 10/8").ToString());
        // first seen is UTC
        Assert.True(FlowFilter.Compile("first seen >= 2024-07-11T09:15 and first seen < 2024-07-11T09:16").Matches(udp));
        // a missing field reads as 0
        Assert.True(FlowFilter.Compile("vlan 0 and src as 0").Matches(udp));
        // both dialects' spellings
        foreach (var f in new[] { "proto tcp && port 1 || port 2", "inet or inet6", "src or dst net 172.16/12", "icmp type 8", "icmp-type >= 3", "flags =S", "ttl < 5", "exporter id 3", "ip in [10.0.0.1/32, 10.0.0.0/22]" })
            Assert.True(FlowFilter.TryCompile(f, out _, out var e), $"'{f}': {e?.Message}");
        foreach (var f in new[] { "payload content x", "geo RU", "xip 1.2.3.4", "ttl equal", "host www.example.com" })
            Assert.False(FlowFilter.TryCompile(f, out _, out _), f);
    }
}
