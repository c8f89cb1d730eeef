namespace FlowForensics.Flows;

/// <summary>TCP flags, OR-ed over a flow's packets. Bit values are TCP's own (and nfdump's).</summary>
[Flags]
public enum TcpFlags : byte
{
    None = 0,
    Fin = 0x01,
    Syn = 0x02,
    Rst = 0x04,
    Psh = 0x08,
    Ack = 0x10,
    Urg = 0x20,
    Ece = 0x40,
    Cwr = 0x80,
}

/// <summary>nfdump's flag notation: <c>CEUAPRSF</c> with '.' for an unset flag, e.g. <c>...AP.SF</c>.</summary>
public static class TcpFlagsText
{
    private static readonly string[] Table = Build();

    private static string[] Build()
    {
        const string letters = "CEUAPRSF";
        var table = new string[256];
        Span<char> text = stackalloc char[8];
        for (int v = 0; v < 256; v++)
        {
            for (int i = 0; i < 8; i++)
                text[i] = (v & (0x80 >> i)) != 0 ? letters[i] : '.';
            table[v] = new string(text);
        }
        return table;
    }

    /// <summary>The 8-character nfdump text for the flags; no allocation.</summary>
    public static string ToNfdump(TcpFlags flags) => Table[(byte)flags];
}
