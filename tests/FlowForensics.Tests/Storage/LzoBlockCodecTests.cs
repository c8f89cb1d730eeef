using FlowForensics.Storage.Compression;
using Xunit;

namespace FlowForensics.Tests.Storage;

public sealed class LzoBlockCodecTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(238)]
    [InlineData(239)]
    [InlineData(255 + 18)]
    [InlineData(255 + 19)]
    [InlineData(100_000)]
    public void StoredFormRoundTrips(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        var packed = new byte[LzoBlockCodec.Instance.MaxEncodedLength(length)];
        int n = LzoBlockCodec.Instance.Encode(data, packed);
        var back = new byte[length];
        Assert.True(LzoBlockCodec.Instance.TryDecode(packed.AsSpan(0, n), back, out int written));
        Assert.Equal(length, written);
        Assert.Equal(data, back);
        // one byte less room: must refuse, not overrun
        Assert.False(LzoBlockCodec.Instance.TryDecode(packed.AsSpan(0, n), new byte[length - 1], out _));
    }

    [Theory]
    [InlineData("empty input", "")]
    [InlineData("literals without end marker", "1661626364")]
    [InlineData("literal run longer than the input", "1a616263")]
    [InlineData("match before any output", "110400110000")]
    [InlineData("M2 match distance past the output", "1561626364ff00110000")]
    [InlineData("end marker cut", "15616263641100")]
    [InlineData("extension runs off the end", "000000")]
    public void RejectsMalformedStreams(string why, string hex)
    {
        Assert.False(LzoBlockCodec.Instance.TryDecode(Convert.FromHexString(hex), new byte[1024], out _), why);
    }

    [Fact]
    public void DecodesAnOverlappingMatch()
    {
        // 4 literals "abcd", then M2 (t=0x6C: length 3+1=4, distance 1 + (next<<3) + ((t>>2)&7)=1+0+3=4), copy "abcd", end
        var stream = Convert.FromHexString("15616263646C00110000");
        var out_ = new byte[16];
        Assert.True(LzoBlockCodec.Instance.TryDecode(stream, out_, out int n));
        Assert.Equal("abcdabcd", System.Text.Encoding.ASCII.GetString(out_, 0, n));
    }
}
