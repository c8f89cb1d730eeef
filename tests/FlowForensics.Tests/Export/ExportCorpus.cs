using System.Buffers.Binary;
using FlowForensics.Capture;
using FlowForensics.Flows;

namespace FlowForensics.Tests.Export;

/// <summary>One UDP payload out of a capture of export traffic.</summary>
internal sealed record ExportDatagram(string File, int Index, FlowAddress Source, ushort SourcePort, ushort DestinationPort, DateTime Timestamp, byte[] Payload);

/// <summary>
/// The shared export corpus (<c>data/export</c>): captures read with <see cref="CaptureFileReader"/>, UDP
/// payloads taken out by a small link/IP/UDP walker (our <c>PacketDecoder</c> summarises packets and
/// does not hand out payload offsets), and the logstash datagram files.
/// </summary>
internal static class ExportCorpus
{
    public const string Folder = "data/export";

    public static string[] Captures()
    {
        var list = new List<string>();
        foreach (var pattern in new[] { "*.pcap", "*.pcapng" })
            list.AddRange(SharedData.Files(Folder, pattern, SearchOption.AllDirectories));
        list.Sort(StringComparer.Ordinal);
        return list.ToArray();
    }

    public static List<ExportDatagram> ReadUdp(string path, out int nonUdp)
    {
        var result = new List<ExportDatagram>();
        nonUdp = 0;
        using var source = CaptureFileReader.Open(path);
        while (source.TryReadPacket(out var packet))
        {
            if (TryUdp(packet.LinkType, packet.Data, out var src, out ushort sport, out ushort dport, out var payload))
                result.Add(new ExportDatagram(Path.GetFileName(path), result.Count, src, sport, dport, packet.Timestamp, payload.ToArray()));
            else
                nonUdp++;
        }
        return result;
    }

    private static bool TryUdp(LinkType link, ReadOnlySpan<byte> frame, out FlowAddress src, out ushort sport, out ushort dport, out ReadOnlySpan<byte> payload)
    {
        src = default; sport = dport = 0; payload = default;
        ushort etherType;
        ReadOnlySpan<byte> ip;
        switch (link)
        {
            case LinkType.Ethernet:
                if (frame.Length < 14) return false;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
                ip = frame[14..];
                while ((etherType == 0x8100 || etherType == 0x88A8) && ip.Length >= 4)
                {
                    etherType = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
                    ip = ip[4..];
                }
                break;
            case LinkType.LinuxSll:
                if (frame.Length < 16) return false;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[14..]);
                ip = frame[16..];
                break;
            case LinkType.Raw:
                if (frame.Length < 1) return false;
                etherType = (frame[0] >> 4) == 6 ? (ushort)0x86DD : (ushort)0x0800;
                ip = frame;
                break;
            default:
                if ((int)link == 0 && frame.Length >= 4) // BSD loopback
                {
                    ip = frame[4..];
                    etherType = ip.Length > 0 && (ip[0] >> 4) == 6 ? (ushort)0x86DD : (ushort)0x0800;
                    break;
                }
                return false;
        }

        ReadOnlySpan<byte> udp;
        if (etherType == 0x0800)
        {
            if (ip.Length < 20 || ip[9] != 17) return false;
            int ihl = (ip[0] & 0xF) * 4;
            int total = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
            if ((BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3FFF) != 0) return false; // fragment
            if (total > ip.Length || ihl < 20 || ihl > total) total = ip.Length;
            src = FlowAddress.FromIPv4(ip.Slice(12, 4));
            udp = ip[ihl..total];
        }
        else if (etherType == 0x86DD)
        {
            if (ip.Length < 40 || ip[6] != 17) return false;
            src = FlowAddress.FromIPv6(ip.Slice(8, 16));
            int total = Math.Min(ip.Length, 40 + BinaryPrimitives.ReadUInt16BigEndian(ip[4..]));
            udp = ip[40..total];
        }
        else return false;

        if (udp.Length < 8) return false;
        sport = BinaryPrimitives.ReadUInt16BigEndian(udp);
        dport = BinaryPrimitives.ReadUInt16BigEndian(udp[2..]);
        int udpLength = BinaryPrimitives.ReadUInt16BigEndian(udp[4..]);
        payload = udpLength >= 8 && udpLength <= udp.Length ? udp[8..udpLength] : udp[8..];
        return true;
    }
}
