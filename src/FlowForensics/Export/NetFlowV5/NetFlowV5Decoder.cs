using FlowForensics.Flows;
using FlowForensics.Wire;

namespace FlowForensics.Export.NetFlowV5;

/// <summary>NetFlow v5: a 24-byte header and up to 30 fixed 48-byte records. Stateless.</summary>
internal static class NetFlowV5Decoder
{
    public const int HeaderLength = 24;
    public const int RecordLength = 48;
    public const int MaxRecords = 30;

    public static ExportDecodeStatus Decode(ReadOnlySpan<byte> datagram, FlowAddress exporter, DateTime receivedUtc, List<FlowRecord> output, ExportCounters counters)
    {
        var r = new WireReader(datagram);
        if (datagram.Length < HeaderLength) return ExportDecodeStatus.TooShort;
        r.TryReadUInt16BigEndian(out _);
        r.TryReadUInt16BigEndian(out ushort count);
        r.TryReadUInt32BigEndian(out uint uptime);
        r.TryReadUInt32BigEndian(out uint secs);
        r.TryReadUInt32BigEndian(out uint nsecs);
        r.TryReadUInt32BigEndian(out _); // flow sequence
        r.TryReadByte(out byte engineType);
        r.TryReadByte(out byte engineId);
        r.TryReadUInt16BigEndian(out ushort sampling);
        if (count == 0 || count > MaxRecords || nsecs >= 1_000_000_000) return ExportDecodeStatus.BadHeader;

        // The 14-bit interval is 1-in-N; the top two bits name the algorithm. 0 means unsampled.
        uint interval = (uint)(sampling & 0x3FFF);
        DateTime export = DateTime.UnixEpoch.AddSeconds(secs).AddTicks(nsecs / 100);

        for (int i = 0; i < count; i++)
        {
            if (!r.TrySlice(RecordLength, out var rec)) return ExportDecodeStatus.Truncated;
            var f = new FlowRecord
            {
                Src = FlowAddress.FromIPv4(rec[..4]),
                Dst = FlowAddress.FromIPv4(rec.Slice(4, 4)),
                NextHopAddress = FlowAddress.FromIPv4(rec.Slice(8, 4)),
                InputInterface = Be16(rec, 12),
                OutputInterface = Be16(rec, 14),
                Packets = Be32(rec, 16),
                Bytes = Be32(rec, 20),
                SrcPort = Be16(rec, 32),
                DstPort = Be16(rec, 34),
                TcpFlags = (TcpFlags)rec[37],
                Protocol = rec[38],
                SrcTos = rec[39],
                SrcAs = Be16(rec, 40),
                DstAs = Be16(rec, 42),
                SrcMask = rec[44],
                DstMask = rec[45],
                Start = export.AddMilliseconds(-(int)(uptime - Be32(rec, 24))),
                End = export.AddMilliseconds(-(int)(uptime - Be32(rec, 28))),
                Received = receivedUtc,
                ExporterAddress = exporter,
                EngineType = engineType,
                EngineId = engineId,
                ExportVersion = 5,
                SamplingInterval = interval,
            };
            output.Add(f);
            counters.Records++;
        }
        return ExportDecodeStatus.Decoded;
    }

    private static ushort Be16(ReadOnlySpan<byte> s, int o) => (ushort)(s[o] << 8 | s[o + 1]);
    private static uint Be32(ReadOnlySpan<byte> s, int o) => (uint)(s[o] << 24 | s[o + 1] << 16 | s[o + 2] << 8 | s[o + 3]);
}
