using System.Buffers.Binary;

namespace FlowForensics.Synthesis;

/// <summary>The application protocol whose framing a TCP session's payload carries.</summary>
internal enum AppProtocol : byte
{
    /// <summary>Opaque bytes (SMB, LDAP, RDP, attacker channels…).</summary>
    None,
    /// <summary>HTTP/1.1: each flight is one request or one response with an exact Content-Length.</summary>
    Http,
    /// <summary>TLS 1.3: ClientHello (with SNI) and ServerHello first, then application-data records.</summary>
    Tls,
}

/// <summary>One flight: the bytes one side sends in one round of a session, and the framing they get.</summary>
internal readonly record struct Flight(AppProtocol Protocol, bool FromClient, bool FirstRound, long Length, string Host)
{
    /// <summary>Bytes at the start of the flight that carry protocol headers (computed once per flight).</summary>
    public int HeadLength { get; init; }
}

/// <summary>
/// Gives a flight of random payload the framing of its application protocol, segment by segment, without drawing
/// from the random stream (fields that are random in real traffic, such as TLS randoms and session ids, keep the
/// random bytes under them). Lengths never change, so every byte count of the scenario stays as its shape says.
/// </summary>
internal static class AppFraming
{
    public const int TlsRecordHeader = 5;
    public const int MaxTlsRecordPayload = 16384;
    /// <summary>A client flight up to this size is one ClientHello (padded, RFC 7685); above it the hello is <see cref="ClientHelloLength"/>.</summary>
    public const int SingleHelloLimit = 1400;
    public const int ClientHelloLength = 517;
    /// <summary>ServerHello record with a 32-byte session id (127) plus the compatibility ChangeCipherSpec record (6).</summary>
    public const int ServerHelloFlight = 133;
    /// <summary>ServerHello record with an empty session id.</summary>
    public const int ServerHelloMin = 95;
    private const int ChangeCipherSpec = 6;
    /// <summary>HTTP requests up to this size are a GET whose cookie fills the flight; larger ones a POST with a body.</summary>
    public const int GetLimit = 1200;
    private const byte Keep = 0, Literal = 1, Printable = 2;

    private static readonly string[] Hosts =
    [
        "www.example.com", "api.example.net", "cdn.example.org", "login.example.com", "mail.example.net",
        "static.example.org", "img.example.com", "update.example.net", "telemetry.example.org", "fonts.example.com",
        "news.example.org", "wiki.example.com", "git.example.net", "files.example.org", "video.example.com",
        "auth.example.net", "ocsp.example.org", "crm.example.net",
    ];

    private static readonly string[] Paths =
    [
        "/", "/index.html", "/api/v1/status", "/static/app.js", "/images/logo.png", "/update/check", "/news/latest", "/favicon.ico",
    ];

    private const string UserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)";
    private const string Base64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    public static AppProtocol For(ushort serverPort) => serverPort switch
    {
        80 => AppProtocol.Http,
        443 => AppProtocol.Tls,
        _ => AppProtocol.None,
    };

    /// <summary>The web name a server answers to: fixed per address, so every session to it names the same host.</summary>
    public static string HostOf(SimHost server)
    {
        uint h = 2166136261;
        foreach (byte b in server.V4)
            h = (h ^ b) * 16777619;
        return Hosts[h % (uint)Hosts.Length];
    }

    /// <summary>Plans one flight's framing.</summary>
    public static Flight Plan(AppProtocol protocol, bool fromClient, bool firstRound, long length, string host)
    {
        var f = new Flight(protocol, fromClient, firstRound, length, host);
        return protocol == AppProtocol.None ? f : f with { HeadLength = HeadLength(f) };
    }

    /// <summary>Overwrites the bytes of <paramref name="segment"/> (flight bytes from <paramref name="offset"/>) that the protocol fixes.</summary>
    public static void Apply(Span<byte> segment, long offset, in Flight flight)
    {
        if (flight.Protocol == AppProtocol.None || segment.IsEmpty)
            return;
        int headLength = flight.HeadLength;
        if (offset < headLength)
        {
            Span<byte> head = stackalloc byte[headLength];
            Span<byte> kind = stackalloc byte[headLength];
            BuildHead(head, kind, flight);
            int from = (int)offset, to = (int)Math.Min(headLength, offset + segment.Length);
            for (int i = from; i < to; i++)
            {
                ref byte b = ref segment[i - from];
                b = kind[i] switch
                {
                    Literal => head[i],
                    Printable => (byte)Base64Url[b & 63],
                    _ => b,
                };
            }
        }
        if (flight.Protocol == AppProtocol.Tls)
            WriteRecordHeaders(segment, offset, headLength, flight.Length);
    }

    /// <summary>Bytes at the start of the flight that <see cref="BuildHead"/> describes; 0 when the flight is too short to frame.</summary>
    internal static int HeadLength(in Flight f)
    {
        if (f.Protocol == AppProtocol.Tls)
        {
            if (!f.FirstRound)
                return 0;
            if (f.FromClient)
            {
                int hello = f.Length <= SingleHelloLimit ? (int)f.Length : ClientHelloLength;
                return hello >= MinClientHello(f.Host) ? hello : 0;
            }
            // ServerHello is 95 bytes plus its session id (0..32), then the 6-byte ChangeCipherSpec: the id's length
            // lets the hello fill short flights exactly; longer ones continue with application data.
            return f.Length switch
            {
                >= ServerHelloFlight + TlsRecordHeader + 1 => ServerHelloFlight,
                > ServerHelloFlight => (int)f.Length - TlsRecordHeader - 1,   // one 1-byte record after the hello
                >= ServerHelloMin => (int)f.Length,
                _ => 0,
            };
        }
        if (f.FromClient)
        {
            if (f.Length <= GetLimit)
            {
                int fixedPart = GetFixedLength(f);
                return f.Length > fixedPart ? (int)f.Length : 0;
            }
            return ContentLengthHead(PostPrefix(f), f.Length, out _);
        }
        return ContentLengthHead(ResponsePrefix, f.Length, out _);
    }

    private static int MinClientHello(string host) => 108 + host.Length;

    private static string PathOf(in Flight f) => Paths[(int)(f.Length % Paths.Length)];

    private static string GetPrefix(in Flight f) =>
        "GET " + PathOf(f) + " HTTP/1.1\r\nHost: " + f.Host + "\r\nUser-Agent: " + UserAgent + "\r\nAccept: */*\r\nCookie: sid=";

    private const string GetSuffix = "\r\n\r\n";

    private static int GetFixedLength(in Flight f) => GetPrefix(f).Length + GetSuffix.Length;

    private static string PostPrefix(in Flight f) =>
        "POST " + PathOf(f) + " HTTP/1.1\r\nHost: " + f.Host + "\r\nUser-Agent: " + UserAgent + "\r\nContent-Type: application/octet-stream\r\nContent-Length: ";

    private const string ResponsePrefix = "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/octet-stream\r\nContent-Length: ";

    /// <summary>Length of "prefix + N + CRLF CRLF" where N is the body length that makes the whole flight exact; 0 if it cannot.</summary>
    private static int ContentLengthHead(string prefix, long flight, out long body)
    {
        for (int digits = 1; digits <= 19; digits++)
        {
            long head = prefix.Length + digits + 4;
            body = flight - head;
            if (body >= 0 && body.ToString(System.Globalization.CultureInfo.InvariantCulture).Length == digits)
                return (int)head;
        }
        body = 0;
        return 0;
    }

    private static int PutAscii(Span<byte> head, Span<byte> kind, int o, string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            head[o + i] = (byte)text[i];
            kind[o + i] = Literal;
        }
        return o + text.Length;
    }

    private static int Put(Span<byte> head, Span<byte> kind, int o, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(head[o..]);
        kind.Slice(o, bytes.Length).Fill(Literal);
        return o + bytes.Length;
    }

    private static int PutU16(Span<byte> head, Span<byte> kind, int o, int value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(head[o..], (ushort)value);
        kind.Slice(o, 2).Fill(Literal);
        return o + 2;
    }

    private static void BuildHead(Span<byte> head, Span<byte> kind, in Flight f)
    {
        kind.Clear();
        if (f.Protocol == AppProtocol.Tls)
        {
            if (f.FromClient)
                BuildClientHello(head, kind, f.Host);
            else
                BuildServerHello(head, kind);
            return;
        }
        string prefix;
        long body;
        if (f.FromClient && f.Length <= GetLimit)
        {
            prefix = GetPrefix(f);
            int o = PutAscii(head, kind, 0, prefix);
            int filler = head.Length - o - GetSuffix.Length;
            kind.Slice(o, filler).Fill(Printable);
            PutAscii(head, kind, o + filler, GetSuffix);
            return;
        }
        prefix = f.FromClient ? PostPrefix(f) : ResponsePrefix;
        ContentLengthHead(prefix, f.Length, out body);
        PutAscii(head, kind, 0, prefix + body.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\r\n\r\n");
    }

    private static void BuildClientHello(Span<byte> head, Span<byte> kind, string host)
    {
        int length = head.Length;
        int o = Put(head, kind, 0, [0x16, 0x03, 0x01]);
        o = PutU16(head, kind, o, length - TlsRecordHeader);
        o = Put(head, kind, o, [0x01, 0x00]);
        o = PutU16(head, kind, o, length - TlsRecordHeader - 4);
        o = Put(head, kind, o, [0x03, 0x03]);
        o += 32;                                             // client random: keeps its random bytes
        o = Put(head, kind, o, [0x20]);
        o += 32;                                             // legacy session id
        o = Put(head, kind, o, [0x00, 0x06, 0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 0x01, 0x00]);
        o = PutU16(head, kind, o, length - o - 2);           // extensions
        o = Put(head, kind, o, [0x00, 0x00]);                // server_name
        o = PutU16(head, kind, o, host.Length + 5);
        o = PutU16(head, kind, o, host.Length + 3);
        o = Put(head, kind, o, [0x00]);
        o = PutU16(head, kind, o, host.Length);
        o = PutAscii(head, kind, o, host);
        o = Put(head, kind, o, [0x00, 0x2B, 0x00, 0x03, 0x02, 0x03, 0x04]);   // supported_versions: TLS 1.3
        o = Put(head, kind, o, [0x00, 0x15]);                // padding (RFC 7685) fills the flight
        o = PutU16(head, kind, o, length - o - 2);
        head[o..].Clear();
        kind[o..].Fill(Literal);
    }

    private static void BuildServerHello(Span<byte> head, Span<byte> kind)
    {
        // The ChangeCipherSpec record follows whenever the head has room for it (see HeadLength).
        bool ccs = head.Length >= ServerHelloMin + ChangeCipherSpec;
        int sessionId = head.Length - ServerHelloMin - (ccs ? ChangeCipherSpec : 0);
        int o = Put(head, kind, 0, [0x16, 0x03, 0x03]);
        o = PutU16(head, kind, o, ServerHelloMin - TlsRecordHeader + sessionId);
        o = Put(head, kind, o, [0x02, 0x00]);
        o = PutU16(head, kind, o, ServerHelloMin - TlsRecordHeader - 4 + sessionId);
        o = Put(head, kind, o, [0x03, 0x03]);
        o += 32;                                             // server random
        o = Put(head, kind, o, [(byte)sessionId]);
        o += sessionId;                                      // session id echo
        o = Put(head, kind, o, [0x13, 0x01, 0x00, 0x00, 0x2E, 0x00, 0x2B, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x24, 0x00, 0x1D, 0x00, 0x20]);
        o += 32;                                             // x25519 key share
        if (ccs)
            Put(head, kind, o, [0x14, 0x03, 0x03, 0x00, 0x01, 0x01]);
    }

    /// <summary>Application-data records fill the flight after the head, sizes as even as possible, none over 16 KiB.</summary>
    private static void WriteRecordHeaders(Span<byte> segment, long offset, int headLength, long flightLength)
    {
        long rest = flightLength - headLength;
        if (rest < TlsRecordHeader + 1)
            return;
        long records = (rest + MaxTlsRecordPayload + TlsRecordHeader - 1) / (MaxTlsRecordPayload + TlsRecordHeader);
        long size = (rest - TlsRecordHeader * records) / records;
        long larger = (rest - TlsRecordHeader * records) % records;   // the first 'larger' records carry one byte more
        long end = offset + segment.Length;
        long stride = TlsRecordHeader + size;
        long first = Math.Max(0, (offset - headLength) / (stride + 1) - 1);
        Span<byte> header = stackalloc byte[TlsRecordHeader];
        for (long i = first; i < records; i++)
        {
            long start = headLength + i * stride + Math.Min(i, larger);
            if (start >= end)
                break;
            if (start + TlsRecordHeader <= offset)
                continue;
            long payload = size + (i < larger ? 1 : 0);
            header[0] = 0x17;
            header[1] = 0x03;
            header[2] = 0x03;
            BinaryPrimitives.WriteUInt16BigEndian(header[3..], (ushort)payload);
            for (int j = 0; j < TlsRecordHeader; j++)
            {
                long at = start + j - offset;
                if (at >= 0 && at < segment.Length)
                    segment[(int)at] = header[j];
            }
        }
    }
}
