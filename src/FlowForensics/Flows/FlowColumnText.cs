using System.Globalization;
using System.Net;
using System.Text;

namespace FlowForensics.Flows;

/// <summary>
/// Values as nfdump's tables print them, for a table column of a fixed width (the format file's views): nothing is
/// cut. Counters are exact while their digits fit, then scaled with decimal units like nfdump's <c>format_number</c>
/// (<c>1.2 M</c>, <c>12.3 G</c>, <c>123 T</c>, and <c>K</c> for a narrow column). An endpoint longer than the column
/// (an IPv6 address with its port) is broken after a colon into lines that fit, for a view whose rows wrap.
/// </summary>
public static class FlowColumnText
{
    private static readonly (double Size, string Unit)[] Units =
        [(1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")];

    /// <summary>The counter in at most <paramref name="width"/> (≥ 5) characters, e.g. <c>999999</c>, <c>1.2 M</c>, <c>123 G</c>.</summary>
    public static string Count(long value, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 5);
        string exact = value.ToString(CultureInfo.InvariantCulture);
        if (exact.Length <= width || value < 0) return exact;
        int u = 0;
        while (value < Units[u].Size) u++;
        double v = value / Units[u].Size;
        double tenths = Math.Round(v, 1, MidpointRounding.AwayFromZero);
        string text = tenths.ToString("0.0", CultureInfo.InvariantCulture) + " " + Units[u].Unit;
        if (text.Length <= width && tenths < 1000) return text;
        double whole = Math.Round(v, MidpointRounding.AwayFromZero);
        if (whole >= 1000 && u > 0) return (whole / 1000).ToString("0.0", CultureInfo.InvariantCulture) + " " + Units[u - 1].Unit;
        return whole.ToString("0", CultureInfo.InvariantCulture) + " " + Units[u].Unit;
    }

    /// <summary>
    /// <c>10.0.0.1:443</c> or <c>[2001:db8::1]:443</c> (nfdump's form); longer than <paramref name="width"/>, it is
    /// broken after colons into lines of at most <paramref name="width"/> characters (joined with <c>\n</c>).
    /// </summary>
    public static string Endpoint(IPAddress? address, int port, int width)
    {
        string p = port.ToString(CultureInfo.InvariantCulture);
        string text = address is null ? ":" + p
            : address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[" + address + "]:" + p
            : address + ":" + p;
        if (text.Length <= width || width < 8) return text;
        var lines = new StringBuilder(text.Length + 4);
        int lineStart = 0, lastBreak = -1;
        for (int i = 0; i < text.Length; i++)
        {
            if (i - lineStart + 1 > width && lastBreak > lineStart)
            {
                lines.Append(text, lineStart, lastBreak - lineStart).Append('\n');
                lineStart = lastBreak;
            }
            if (text[i] == ':') lastBreak = i + 1;
        }
        return lines.Append(text, lineStart, text.Length - lineStart).ToString();
    }
}
