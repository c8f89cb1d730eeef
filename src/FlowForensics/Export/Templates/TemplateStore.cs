using System.Buffers.Binary;
using FlowForensics.Files;
using FlowForensics.Flows;
using FlowForensics.Wire;

namespace FlowForensics.Export.Templates;

/// <summary>
/// Saves and restores template state (templates, samplers, system init time) so a restarted collector decodes
/// data at once. Big-endian, versioned: "FFTS" magic, format 1, then per exporter key its templates and samplers.
/// Held data is not saved. Saving to a file goes through <see cref="AtomicFile"/>. The file is untrusted on load: read through <see cref="WireReader"/>, bounded by the
/// decoder's limits, and a bad file throws <see cref="FlowDataException"/> with the offset, leaving state untouched.
/// </summary>
internal static class TemplateStore
{
    private const uint Magic = 0x46465453; // "FFTS"
    private const ushort FormatVersion = 1;

    /// <summary>Writes the state to <paramref name="path"/> (replacing it) through a temporary file renamed into place.</summary>
    public static void Save(string path, Dictionary<ExporterKey, ExporterState> exporters) =>
        AtomicFile.Write(path, overwrite: true, stream => Save(stream, exporters));

    /// <summary>Writes the state to <paramref name="stream"/> as it goes (the stream buffers).</summary>
    public static void Save(Stream stream, Dictionary<ExporterKey, ExporterState> exporters)
    {
        byte[] scratch = new byte[16];
        void U8(byte v) => stream.WriteByte(v);
        void U16(ushort v) { BinaryPrimitives.WriteUInt16BigEndian(scratch, v); stream.Write(scratch, 0, 2); }
        void U32(uint v) { BinaryPrimitives.WriteUInt32BigEndian(scratch, v); stream.Write(scratch, 0, 4); }
        void U64(ulong v) { BinaryPrimitives.WriteUInt64BigEndian(scratch, v); stream.Write(scratch, 0, 8); }

        U32(Magic);
        U16(FormatVersion);
        U32((uint)exporters.Count);
        foreach (var (key, state) in exporters)
        {
            U8(key.Address.Version);
            stream.Write(scratch, 0, key.Address.WriteBytes(scratch));
            U8(key.Version);
            U32(key.Domain);
            U32(state.DefaultSampling);
            U64(state.SystemInitMilliseconds);
            U32((uint)state.Samplers.Count);
            foreach (var (id, rate) in state.Samplers) { U64(id); U32(rate); }
            U32((uint)state.Templates.Count);
            foreach (var t in state.Templates.Values)
            {
                U16(t.Id);
                U8(t.IsOptions ? (byte)1 : (byte)0);
                U16((ushort)t.ScopeCount);
                U16((ushort)t.Fields.Length);
                foreach (var f in t.Fields) { U16(f.Id); U16(f.Length); U32(f.Enterprise); }
            }
        }
    }

    public static Dictionary<ExporterKey, ExporterState> Load(ReadOnlySpan<byte> data, string source, ExportDecoderLimits limits)
    {
        var r = new WireReader(data);
        var result = new Dictionary<ExporterKey, ExporterState>();
        if (!r.TryReadUInt32BigEndian(out uint magic) || magic != Magic) throw Bad(source, 0, "not a FlowForensics template file");
        if (!r.TryReadUInt16BigEndian(out ushort format) || format != FormatVersion) throw Bad(source, 4, $"unsupported template file format {format}");
        if (!r.TryReadUInt32BigEndian(out uint exporters)) throw Bad(source, r.Consumed, "truncated");
        if (exporters > (uint)limits.MaxExporters) throw Bad(source, r.Consumed, $"{exporters} exporters exceed the limit of {limits.MaxExporters}");
        for (uint e = 0; e < exporters; e++)
        {
            long at = r.Consumed;
            if (!r.TryReadByte(out byte ipVersion)) throw Bad(source, at, "truncated");
            int addressLength = ipVersion switch { 4 => 4, 6 => 16, 0 => 0, _ => -1 };
            if (addressLength < 0 || !r.TrySlice(addressLength, out var addr)) throw Bad(source, at, "bad exporter address");
            var address = ipVersion switch { 4 => FlowAddress.FromIPv4(addr), 6 => FlowAddress.FromIPv6(addr), _ => default };
            if (!r.TryReadByte(out byte protocol) || protocol is not (9 or 10)
                || !r.TryReadUInt32BigEndian(out uint domain) || !r.TryReadUInt32BigEndian(out uint defaultSampling)
                || !r.TryReadUInt64BigEndian(out ulong systemInit) || !r.TryReadUInt32BigEndian(out uint samplers))
                throw Bad(source, r.Consumed, "bad exporter header");
            if (samplers > (uint)limits.MaxSamplersPerExporter) throw Bad(source, r.Consumed, "too many samplers");
            var state = new ExporterState { DefaultSampling = defaultSampling, SystemInitMilliseconds = systemInit };
            for (uint s = 0; s < samplers; s++)
            {
                if (!r.TryReadUInt64BigEndian(out ulong id) || !r.TryReadUInt32BigEndian(out uint rate)) throw Bad(source, r.Consumed, "truncated sampler");
                state.Samplers[id] = rate;
            }
            if (!r.TryReadUInt32BigEndian(out uint templates) || templates > (uint)limits.MaxTemplatesPerExporter)
                throw Bad(source, r.Consumed, "bad template count");
            for (uint t = 0; t < templates; t++)
            {
                long tat = r.Consumed;
                if (!r.TryReadUInt16BigEndian(out ushort id) || !r.TryReadByte(out byte options) || !r.TryReadUInt16BigEndian(out ushort scope)
                    || !r.TryReadUInt16BigEndian(out ushort count) || id < 256 || options > 1 || count == 0
                    || count > limits.MaxFieldsPerTemplate || scope > count)
                    throw Bad(source, tat, "bad template header");
                var fields = new TemplateField[count];
                for (int i = 0; i < count; i++)
                {
                    if (!r.TryReadUInt16BigEndian(out ushort fid) || !r.TryReadUInt16BigEndian(out ushort flen) || !r.TryReadUInt32BigEndian(out uint ent))
                        throw Bad(source, r.Consumed, "truncated template field");
                    fields[i] = new TemplateField(fid, flen, ent);
                }
                var template = new Template(id, fields, scope, options == 1);
                if (template.MinRecordLength == 0) throw Bad(source, tat, "template describes no bytes");
                state.Templates[id] = template;
            }
            if (!result.TryAdd(new ExporterKey(address, protocol, domain), state)) throw Bad(source, at, "duplicate exporter");
        }
        if (r.Remaining != 0) throw Bad(source, r.Consumed, "trailing bytes");
        return result;
    }

    private static FlowDataException Bad(string source, long offset, string reason) => new(source, offset, reason);
}
