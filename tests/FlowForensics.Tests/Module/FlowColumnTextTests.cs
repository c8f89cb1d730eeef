using System.Net;
using FlowForensics.Flows;
using Xunit;

namespace FlowForensics.Tests.Module;

/// <summary>The text the FlowRecord table view puts in its fixed columns: never wider than the column, never cut.</summary>
public sealed class FlowColumnTextTests
{
    [Theory]
    [InlineData("digits that fit stay exact", 9999999L, 7, "9999999")]
    [InlineData("nfdump's M with one decimal", 123456789L, 7, "123.5 M")]
    [InlineData("a narrower column drops the decimal", 123456789L, 6, "123 M")]
    [InlineData("G", 98765432109L, 6, "98.8 G")]
    [InlineData("K only where the digits do not fit 5 columns", 123456L, 5, "123 K")]
    [InlineData("rounding up to the next unit", 999_600L, 5, "1.0 M")]
    [InlineData("the largest counter", long.MaxValue, 5, "9.2 E")]
    [InlineData("zero", 0L, 5, "0")]
    public void Count_fits_the_column(string why, long value, int width, string expected)
    {
        string text = FlowColumnText.Count(value, width);
        Assert.True(text.Length <= width, why);
        Assert.Equal(expected, text);
    }

    [Fact]
    public void Count_fits_every_width_from_5_for_every_magnitude()
    {
        for (int width = 5; width <= 8; width++)
            for (long v = 1; v > 0 && v <= long.MaxValue / 3; v = v * 3 + 1)
                Assert.True(FlowColumnText.Count(v, width).Length <= width, $"{v} in {width}");
    }

    [Theory]
    [InlineData("10.0.0.1", 443, "10.0.0.1:443")]
    [InlineData("192.168.100.200", 51234, "192.168.100.200:51234")]
    [InlineData("2001:db8::1", 53, "[2001:db8::1]:53")]
    [InlineData("2001:db8:85a3:1234:5678:8a2e:370:7334", 51234, "[2001:db8:85a3:1234:\n5678:8a2e:370:7334]:\n51234")]
    [InlineData("2001:db8:0:1::2", 32768, "[2001:db8:0:1::2]:\n32768")]
    public void Endpoint_is_nfdumps_form_broken_after_colons_to_fit(string address, int port, string expected)
    {
        string text = FlowColumnText.Endpoint(IPAddress.Parse(address), port, 21);
        Assert.Equal(expected, text);
        Assert.All(text.Split('\n'), line => Assert.True(line.Length <= 21, line));
        Assert.Equal(expected.Replace("\n", "", StringComparison.Ordinal), text.Replace("\n", "", StringComparison.Ordinal));
    }
}
