using FlowForensics.Flows;
using FlowForensics.Wire;

namespace FlowForensics.Export.NetFlowV5;

/// <summary>NetFlow v5: a 24-byte header and up to 30 fixed 48-byte records. Stateless.</summary>
internal static class NetFlowV5Decoder
{
    public const int HeaderLength = 24;
    public const int RecordLength = 48;
    public const int MaxRecords = 30;

    public static ExportDecodeStatus Decode(ReadOnlySpan<byte> datagram, FlowAddress exporter, DateTime receivedUtc, List<FlowRecord> output, ExportCounters counters,
        Func<FlowRecord> newRecord)
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
            // A record as new FlowRecord() leaves it (maybe a reused one), so only the fields v5 has are set.
            var f = newRecord();
            f.Src = FlowAddress.FromIPv4(rec[..4]);
            f.Dst = FlowAddress.FromIPv4(rec.Slice(4, 4));
            f.NextHopAddress = FlowAddress.FromIPv4(rec.Slice(8, 4));
            f.InputInterface = Be16(rec, 12);
            f.OutputInterface = Be16(rec, 14);
            f.Packets = Be32(rec, 16);
            f.Bytes = Be32(rec, 20);
            f.SrcPort = Be16(rec, 32);
            f.DstPort = Be16(rec, 34);
            f.TcpFlags = (TcpFlags)rec[37];
            f.Protocol = rec[38];
            f.SrcTos = rec[39];
            f.SrcAs = Be16(rec, 40);
            f.DstAs = Be16(rec, 42);
            f.SrcMask = rec[44];
            f.DstMask = rec[45];
            f.Start = export.AddMilliseconds(-(int)(uptime - Be32(rec, 24)));
            f.End = export.AddMilliseconds(-(int)(uptime - Be32(rec, 28)));
            f.Received = receivedUtc;
            f.ExporterAddress = exporter;
            f.EngineType = engineType;
            f.EngineId = engineId;
            f.ExportVersion = 5;
            f.SamplingInterval = interval;
            if (interval != 0) f.SamplingAlgorithm = (byte)(sampling >> 14);
            output.Add(f);
            counters.Records++;
        }
        return ExportDecodeStatus.Decoded;
    }

    private static ushort Be16(ReadOnlySpan<byte> s, int o) => (ushort)(s[o] << 8 | s[o + 1]);
    private static uint Be32(ReadOnlySpan<byte> s, int o) => (uint)(s[o] << 24 | s[o + 1] << 16 | s[o + 2] << 8 | s[o + 3]);
}
