using System.Buffers.Binary;
using FlowForensics.Files;
using FlowForensics.Wire;

namespace FlowForensics.Capture;

/// <summary>
/// Opens a capture file by its content, not its name: pcap (either byte order, micro- or nanosecond),
/// pcapng, and either of them gzip-compressed. Anything else is a <see cref="FlowDataException"/>.
/// </summary>
public static class CaptureFileReader
{
    private const int ReadBufferSize = 64 * 1024;

    public static ICaptureSource Open(string path)
    {
        var file = FileInspector.OpenRead(path, ReadBufferSize, FileOptions.SequentialScan, FileShare.Read);
        try
        {
            return Open(file, path);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads a capture from a stream (seekable streams are also sniffed for gzip); the source owns the stream.</summary>
    public static ICaptureSource Open(Stream stream, string name)
    {
        var input = CaptureInput.Create(name, stream, out bool compressed);
        try
        {
            if (!input.Fill(4))
            {
                throw new FlowDataException(name, 0, input.Available == 0
                    ? "the file is empty"
                    : $"the file is {input.Available} bytes, too short for a capture file");
            }
            uint magic = BinaryPrimitives.ReadUInt32BigEndian(input.Peek(4));
            switch (magic)
            {
                case PcapFileReader.MagicMicroseconds:
                case PcapFileReader.MagicNanoseconds:
                case 0xD4C3B2A1:
                case 0x4D3CB2A1:
                    return new PcapFileReader(input);
                case PcapNgFileReader.SectionHeaderBlock:
                    return new PcapNgFileReader(input);
                default:
                    throw new FlowDataException(name, 0,
                        $"not a pcap, pcapng{(compressed ? string.Empty : " or gzip")} file (it starts with {magic:x8}{(compressed ? " after gzip decompression" : string.Empty)})");
            }
        }
        catch
        {
            input.Dispose();
            throw;
        }
    }
}
