using System.Buffers.Binary;

namespace FlowForensics.Synthesis;

/// <summary>DNS record types the generator writes.</summary>
internal enum DnsType : ushort
{
    A = 1,
    Null = 10,
    Txt = 16,
    Aaaa = 28,
}

/// <summary>DNS messages in RFC 1035 wire format: one question, answers that point back at it (0xC00C).</summary>
internal static class DnsWire
{
    public const int HeaderLength = 12;
    public const int MaxLabel = 63;
    private const ushort FlagsQuery = 0x0100;      // RD
    private const ushort FlagsResponse = 0x8180;   // QR RD RA, NOERROR
    private const ushort ClassIn = 1;
    private const ushort PointerToQuestion = 0xC00C;

    /// <summary>Writes a dotted name as labels; returns bytes written.</summary>
    public static int WriteName(Span<byte> d, ReadOnlySpan<char> name)
    {
        int o = 0;
        while (name.Length > 0)
        {
            int dot = name.IndexOf('.');
            var label = dot < 0 ? name : name[..dot];
            if (label.Length is 0 or > MaxLabel)
                throw new ArgumentException("DNS label must be 1..63 characters.", nameof(name));
            d[o++] = (byte)label.Length;
            for (int i = 0; i < label.Length; i++)
                d[o++] = (byte)label[i];
            name = dot < 0 ? [] : name[(dot + 1)..];
        }
        d[o++] = 0;
        return o;
    }

    private static int WriteHeaderAndQuestion(Span<byte> d, ushort id, ushort flags, int answers, ReadOnlySpan<char> name, DnsType type)
    {
        BinaryPrimitives.WriteUInt16BigEndian(d, id);
        BinaryPrimitives.WriteUInt16BigEndian(d[2..], flags);
        BinaryPrimitives.WriteUInt16BigEndian(d[4..], 1);
        BinaryPrimitives.WriteUInt16BigEndian(d[6..], (ushort)answers);
        BinaryPrimitives.WriteUInt32BigEndian(d[8..], 0);
        int o = HeaderLength + WriteName(d[HeaderLength..], name);
        BinaryPrimitives.WriteUInt16BigEndian(d[o..], (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(d[(o + 2)..], ClassIn);
        return o + 4;
    }

    public static int WriteQuery(Span<byte> d, ushort id, ReadOnlySpan<char> name, DnsType type) =>
        WriteHeaderAndQuestion(d, id, FlagsQuery, 0, name, type);

    /// <summary>A response with <paramref name="answerCount"/> records of <paramref name="type"/>, each carrying
    /// <paramref name="rdata"/> (for TXT the caller passes character-strings already length-prefixed).</summary>
    public static int WriteResponse(Span<byte> d, ushort id, ReadOnlySpan<char> name, DnsType type, uint ttl, ReadOnlySpan<byte> rdata, int answerCount = 1)
    {
        int o = WriteHeaderAndQuestion(d, id, FlagsResponse, answerCount, name, type);
        for (int i = 0; i < answerCount; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(d[o..], PointerToQuestion);
            BinaryPrimitives.WriteUInt16BigEndian(d[(o + 2)..], (ushort)type);
            BinaryPrimitives.WriteUInt16BigEndian(d[(o + 4)..], ClassIn);
            BinaryPrimitives.WriteUInt32BigEndian(d[(o + 6)..], ttl);
            BinaryPrimitives.WriteUInt16BigEndian(d[(o + 10)..], (ushort)rdata.Length);
            rdata.CopyTo(d[(o + 12)..]);
            o += 12 + rdata.Length;
        }
        return o;
    }

    /// <summary>TXT RDATA: the text split into character-strings of at most 255 bytes.</summary>
    public static int WriteTxtRdata(Span<byte> d, ReadOnlySpan<char> text)
    {
        int o = 0;
        while (text.Length > 0)
        {
            int n = Math.Min(255, text.Length);
            d[o++] = (byte)n;
            for (int i = 0; i < n; i++)
                d[o++] = (byte)text[i];
            text = text[n..];
        }
        return o;
    }
}
