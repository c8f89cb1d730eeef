using FlowForensics.Flows;
using Xunit;

namespace FlowForensics.Tests.Query;

public sealed class FlowFieldCatalogTests
{
    [Fact]
    public void NamesAndAliasesAreUniqueAndNamePropertiesOfFlowRecord()
    {
        var names = FlowFieldCatalog.All.Select(f => f.Name).ToList();
        var aliases = FlowFieldCatalog.All.Select(f => f.NfdumpAlias).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal(aliases.Count, aliases.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        foreach (var f in FlowFieldCatalog.All)
        {
            bool computed = f.Name is "Pps" or "Bps" or "Bpp";
            Assert.True(computed || typeof(FlowRecord).GetProperty(f.Name) is not null, $"FlowRecord has no property {f.Name}");
        }
    }

    [Theory]
    [InlineData("ts", "Start")]
    [InlineData("te", "End")]
    [InlineData("td", "Duration")]
    [InlineData("sa", "SrcAddr")]
    [InlineData("da", "DstAddr")]
    [InlineData("sp", "SrcPort")]
    [InlineData("dp", "DstPort")]
    [InlineData("pr", "Protocol")]
    [InlineData("pkt", "Packets")]
    [InlineData("ipkt", "Packets")]
    [InlineData("byt", "Bytes")]
    [InlineData("fl", "Flows")]
    [InlineData("flg", "TcpFlags")]
    [InlineData("DSTPORT", "DstPort")]
    public void NfdumpAliasesResolve(string alias, string name)
    {
        Assert.True(FlowFieldCatalog.TryGet(alias, out var field));
        Assert.Equal(name, field.Name);
    }

    [Fact]
    public void GettersReadTheRecord()
    {
        var t = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var flow = new FlowRecord { DstPort = 443, Packets = 4, Bytes = 1000, Start = t, End = t.AddMilliseconds(500) };
        Assert.Equal(443UL, FlowFieldCatalog.DstPort.NumericValue!(flow));
        Assert.Equal((ushort)443, FlowFieldCatalog.DstPort.GetValue(flow));
        Assert.Equal(500UL, FlowFieldCatalog.Duration.NumericValue!(flow));
        Assert.Equal(8UL, FlowFieldCatalog.Pps.NumericValue!(flow));
        Assert.Equal(16000UL, FlowFieldCatalog.Bps.NumericValue!(flow));
        Assert.Equal(250UL, FlowFieldCatalog.Bpp.NumericValue!(flow));
        Assert.Equal(1704067200000UL, FlowFieldCatalog.Start.NumericValue!(flow));
        Assert.False(FlowFieldCatalog.TryGet("nosuch", out _));
    }
}
