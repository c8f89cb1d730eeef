using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using FlowForensics.Synthesis;
using Xunit;

namespace FlowForensics.Tests.Synthesis;

/// <summary>Web sessions carry real protocol framing: TLS records and HTTP/1.1 messages that add up to each flight exactly.</summary>
public sealed class AppFramingTests
{
    private const int Mss = 1460;

    /// <summary>A flight cut into MSS segments, each framed on its own as the generator does.</summary>
    private static byte[] Frame(AppProtocol protocol, bool fromClient, bool firstRound, int length, string host)
    {
        var flight = AppFraming.Plan(protocol, fromClient, firstRound, length, host);
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        for (int offset = 0; offset < length; offset += Mss)
            AppFraming.Apply(bytes.AsSpan(offset, Math.Min(Mss, length - offset)), offset, flight);
        return bytes;
    }

    /// <summary>Walks TLS records; returns (content type, first handshake type) per record and fails unless they cover the stream exactly.</summary>
    internal static List<(byte Type, byte Handshake)> TlsRecords(ReadOnlySpan<byte> stream)
    {
        var records = new List<(byte, byte)>();
        int o = 0;
        while (o < stream.Length)
        {
            Assert.True(o + 5 <= stream.Length, $"record header cut at {o} of {stream.Length}");
            byte type = stream[o];
            Assert.Contains(type, new byte[] { 0x14, 0x16, 0x17 });
            Assert.Equal(0x03, stream[o + 1]);
            Assert.True(stream[o + 2] is 0x01 or 0x03, "record version");
            int length = BinaryPrimitives.ReadUInt16BigEndian(stream[(o + 3)..]);
            Assert.InRange(length, 1, 16384 + 256);
            Assert.True(o + 5 + length <= stream.Length, $"record at {o} ({length} bytes) runs past the stream ({stream.Length})");
            records.Add((type, type == 0x16 ? stream[o + 5] : (byte)0));
            o += 5 + length;
        }
        return records;
    }

    /// <summary>The SNI host name of a ClientHello record at the start of <paramref name="r"/>.</summary>
    internal static string ServerName(ReadOnlySpan<byte> r)
    {
        int recordEnd = 5 + BinaryPrimitives.ReadUInt16BigEndian(r[3..]);
        Assert.Equal(0x01, r[5]);
        Assert.Equal(recordEnd - 9, (r[6] << 16) | BinaryPrimitives.ReadUInt16BigEndian(r[7..]));
        int o = 9 + 2 + 32;
        o += 1 + r[o];                                           // session id
        o += 2 + BinaryPrimitives.ReadUInt16BigEndian(r[o..]);   // cipher suites
        o += 1 + r[o];                                           // compression methods
        int extensionsEnd = o + 2 + BinaryPrimitives.ReadUInt16BigEndian(r[o..]);
        Assert.Equal(recordEnd, extensionsEnd);
        o += 2;
        string? name = null;
        while (o < extensionsEnd)
        {
            int type = BinaryPrimitives.ReadUInt16BigEndian(r[o..]), length = BinaryPrimitives.ReadUInt16BigEndian(r[(o + 2)..]);
            if (type == 0)
                name = Encoding.ASCII.GetString(r.Slice(o + 9, BinaryPrimitives.ReadUInt16BigEndian(r[(o + 7)..])));
            o += 4 + length;
        }
        Assert.Equal(extensionsEnd, o);
        return name ?? throw new Xunit.Sdk.XunitException("no server_name extension");
    }

    [Theory]
    [InlineData(150)]
    [InlineData(320)]
    [InlineData(1400)]
    [InlineData(1401)]
    [InlineData(70_000)]
    public void ClientFirstFlightIsAClientHelloNamingTheServer(int length)
    {
        const string host = "telemetry.example.org";
        byte[] stream = Frame(AppProtocol.Tls, fromClient: true, firstRound: true, length, host);
        var records = TlsRecords(stream);
        Assert.Equal((0x16, 0x01), records[0]);
        Assert.Equal(host, ServerName(stream));
        Assert.Equal(length <= AppFraming.SingleHelloLimit ? 1 : 2, Math.Min(2, records.Count));
        for (int i = 1; i < records.Count; i++)
            Assert.Equal(0x17, records[i].Type);
    }

    [Theory]
    [InlineData(95, 1)]      // ServerHello alone, empty session id
    [InlineData(100, 1)]     // the smallest first answer a background HTTPS session gives
    [InlineData(101, 2)]     // + ChangeCipherSpec
    [InlineData(133, 2)]
    [InlineData(134, 3)]     // + a 1-byte application-data record
    [InlineData(138, 3)]
    [InlineData(139, 3)]
    [InlineData(900, 3)]
    [InlineData(40_000, 5)]
    [InlineData(1_500_000, 94)]
    public void ServerFirstFlightIsServerHelloThenApplicationData(int length, int expectedRecords)
    {
        var records = TlsRecords(Frame(AppProtocol.Tls, fromClient: false, firstRound: true, length, "www.example.com"));
        Assert.Equal(expectedRecords, records.Count);
        Assert.Equal((0x16, 0x02), records[0]);
        if (records.Count > 1)
            Assert.Equal(0x14, records[1].Type);
        for (int i = 2; i < records.Count; i++)
            Assert.Equal(0x17, records[i].Type);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(150)]
    [InlineData(16_389)]
    [InlineData(16_390)]
    [InlineData(123_457)]
    public void LaterFlightsAreWholeApplicationDataRecords(int length)
    {
        foreach (bool fromClient in new[] { true, false })
        {
            var records = TlsRecords(Frame(AppProtocol.Tls, fromClient, firstRound: false, length, "www.example.com"));
            Assert.All(records, r => Assert.Equal(0x17, r.Type));
            Assert.Equal((length + 16388) / 16389, records.Count);
        }
    }

    /// <summary>Splits a stream of HTTP/1.1 messages; fails unless each head is printable and each body matches its Content-Length.</summary>
    internal static List<string> HttpStartLines(byte[] stream)
    {
        var lines = new List<string>();
        int o = 0;
        while (o < stream.Length)
        {
            int end = stream.AsSpan(o).IndexOf("\r\n\r\n"u8);
            Assert.True(end > 0, $"no end of headers after byte {o}");
            string head = Encoding.ASCII.GetString(stream, o, end);
            foreach (char ch in head)
                Assert.True(ch is '\r' or '\n' || (ch >= ' ' && ch < 127), $"byte {(int)ch} in an HTTP head");
            string[] fields = head.Split("\r\n");
            lines.Add(fields[0]);
            long body = 0;
            foreach (string f in fields)
                if (f.StartsWith("Content-Length: ", StringComparison.Ordinal))
                    body = long.Parse(f["Content-Length: ".Length..], CultureInfo.InvariantCulture);
            o += end + 4 + (int)body;
            Assert.True(o <= stream.Length, "a body runs past the stream");
        }
        return lines;
    }

    [Theory]
    [InlineData(150, "GET ")]
    [InlineData(1200, "GET ")]
    [InlineData(1201, "POST ")]
    [InlineData(3_000_000, "POST ")]
    public void HttpRequestsFillTheirFlightExactly(int length, string method)
    {
        foreach (string host in new[] { "www.example.com", "telemetry.example.org" })
        {
            string line = Assert.Single(HttpStartLines(Frame(AppProtocol.Http, true, false, length, host)));
            Assert.StartsWith(method, line, StringComparison.Ordinal);
            Assert.EndsWith(" HTTP/1.1", line, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(100)]    // the smallest response a background HTTP upload gets
    [InlineData(200)]
    [InlineData(9_999)]
    [InlineData(8_000_000)]
    public void HttpResponsesCarryTheirExactContentLength(int length)
    {
        Assert.Equal("HTTP/1.1 200 OK", Assert.Single(HttpStartLines(Frame(AppProtocol.Http, false, true, length, "cdn.example.org"))));
    }

    private static Dictionary<(string, ushort, string, ushort), MemoryStream> Streams(Generated g, ushort port)
    {
        var streams = new Dictionary<(string, ushort, string, ushort), MemoryStream>();
        for (int i = 0; i < g.Frames.Count; i++)
        {
            var d = g.Decoded[i];
            if (!d.IsTcp || (d.SrcPort != port && d.DstPort != port) || d.PayloadLength == 0)
                continue;
            var key = (d.Src.ToString(), d.SrcPort, d.Dst.ToString(), d.DstPort);
            if (!streams.TryGetValue(key, out var s))
                streams[key] = s = new MemoryStream();
            s.Write(g.Frames[i].Frame, d.PayloadOffset, d.PayloadLength);
        }
        return streams;
    }

    [Fact]
    public void EveryTlsStreamInTheDemoIsWholeRecordsAndNamesItsServer()
    {
        var g = Scenarios.Demo;
        int clients = 0, servers = 0;
        foreach (var ((_, srcPort, _, _), s) in Streams(g, 443))
        {
            byte[] stream = s.ToArray();
            var records = TlsRecords(stream);
            if (srcPort == 443)
            {
                Assert.Equal((0x16, 0x02), records[0]);
                servers++;
            }
            else
            {
                Assert.Equal((0x16, 0x01), records[0]);
                Assert.EndsWith(".example.org", ServerName(stream).Replace(".com", ".org", StringComparison.Ordinal).Replace(".net", ".org", StringComparison.Ordinal), StringComparison.Ordinal);
                clients++;
            }
        }
        Assert.True(clients > 50 && servers > 50, $"{clients} client and {servers} server TLS streams");
    }

    [Fact]
    public void EveryHttpStreamInTheAllKindsCaptureIsWholeMessages()
    {
        int requests = 0, responses = 0;
        foreach (var ((_, srcPort, _, _), s) in Streams(Scenarios.AllKindsScenario, 80))
        {
            foreach (string line in HttpStartLines(s.ToArray()))
            {
                if (srcPort == 80)
                {
                    Assert.Equal("HTTP/1.1 200 OK", line);
                    responses++;
                }
                else
                {
                    Assert.Matches("^(GET|POST) /[a-z0-9/._]* HTTP/1.1$", line);
                    requests++;
                }
            }
        }
        Assert.True(requests > 10, $"{requests} requests");
        Assert.Equal(requests, responses);
    }
}
