using FlowForensics.Capture;
using FlowForensics.Capture.Decoding;
using FlowForensics.Flows;
using FlowForensics.Wire;

namespace FlowForensics.Export.Templates;

/// <summary>
/// NetFlow v9 and IPFIX share one set walker and one record mapper: they differ only in the header, the
/// template set ids (0/1 vs 2/3), the options template layout, variable-length fields and enterprise bits.
/// </summary>
internal sealed class TemplateSetDecoder
{
    private const int V9HeaderLength = 20;
    private const int IpfixHeaderLength = 16;

    private readonly ExportDecoderLimits _limits;
    private readonly ExportCounters _counters;

    /// <summary>Test hook: called once per options data record, in datagram order, so a test can interleave them with flow records.</summary>
    internal Action? OptionsRecordObserved { get; set; }

    /// <summary>Where each flow record comes from (see <see cref="ExportDecoder.NewRecord"/>).</summary>
    public Func<FlowRecord> NewRecord { get; set; } = static () => new FlowRecord();

    public TemplateSetDecoder(ExportDecoderLimits limits, ExportCounters counters)
    {
        _limits = limits;
        _counters = counters;
    }

    /// <summary>Context of the message a set came in.</summary>
    private readonly record struct Message(byte Version, FlowAddress Exporter, uint Domain, uint ExportSeconds, uint SysUptime, DateTime Received);

    /// <summary>Reads the header and finds the exporter key; the state lookup is the caller's (it owns the exporter bound).</summary>
    public static ExportDecodeStatus TryReadHeader(ReadOnlySpan<byte> datagram, byte version, out uint domain, out uint exportSeconds, out uint sysUptime, out int headerLength)
    {
        var r = new WireReader(datagram);
        domain = exportSeconds = sysUptime = 0;
        headerLength = version == 9 ? V9HeaderLength : IpfixHeaderLength;
        if (datagram.Length < headerLength) return ExportDecodeStatus.TooShort;
        r.TryReadUInt16BigEndian(out _);
        r.TryReadUInt16BigEndian(out ushort countOrLength);
        if (version == 9)
        {
            r.TryReadUInt32BigEndian(out sysUptime);
            r.TryReadUInt32BigEndian(out exportSeconds);
            r.TryReadUInt32BigEndian(out _); // sequence
            r.TryReadUInt32BigEndian(out domain);
        }
        else
        {
            r.TryReadUInt32BigEndian(out exportSeconds);
            r.TryReadUInt32BigEndian(out _); // sequence
            r.TryReadUInt32BigEndian(out domain);
            // RFC 7011 §3.1: the message length covers header and sets; more bytes than the datagram holds is corrupt.
            if (countOrLength < IpfixHeaderLength || countOrLength > datagram.Length) return ExportDecodeStatus.BadHeader;
        }
        return ExportDecodeStatus.Decoded;
    }

    public ExportDecodeStatus DecodeSets(ReadOnlySpan<byte> sets, byte version, FlowAddress exporter, uint domain, uint exportSeconds, uint sysUptime,
        DateTime received, ExporterState state, List<FlowRecord> output)
    {
        var msg = new Message(version, exporter, domain, exportSeconds, sysUptime, received);
        var r = new WireReader(sets);
        var status = ExportDecodeStatus.Decoded;
        // Fewer than 4 bytes left is padding (nfdump does the same).
        while (r.Remaining >= 4)
        {
            r.TryReadUInt16BigEndian(out ushort setId);
            r.TryReadUInt16BigEndian(out ushort setLength);
            if (setLength < 4 || !r.TrySlice(setLength - 4, out var body))
            {
                // v9 exporters pad the datagram with zeros after the last flowset (Palo Alto): a zero id and length ends it.
                if (setId == 0 && setLength == 0 && IsAllZero(r.UnreadSpan)) break;
                return Worst(status, ExportDecodeStatus.BadSetLength);
            }

            bool isTemplate = version == 9 ? setId == 0 : setId == 2;
            bool isOptionsTemplate = version == 9 ? setId == 1 : setId == 3;
            if (isTemplate || isOptionsTemplate)
                status = Worst(status, ReadTemplates(body, setId, isOptionsTemplate, msg, state, output));
            else if (setId >= 256)
                status = Worst(status, DecodeDataSet(body, setId, msg, state, output, allowHold: true));
            else
                status = Worst(status, ExportDecodeStatus.BadSetId);
        }
        return status;
    }

    private static bool IsAllZero(ReadOnlySpan<byte> s) => s.IndexOfAnyExcept((byte)0) < 0;

    private static ExportDecodeStatus Worst(ExportDecodeStatus current, ExportDecodeStatus next) =>
        current != ExportDecodeStatus.Decoded ? current : next;

    // ---- templates ---------------------------------------------------------------------------------

    private ExportDecodeStatus ReadTemplates(ReadOnlySpan<byte> body, ushort setId, bool options, Message msg, ExporterState state, List<FlowRecord> output)
    {
        var r = new WireReader(body);
        while (r.Remaining >= 4)
        {
            r.TryReadUInt16BigEndian(out ushort templateId);
            r.TryReadUInt16BigEndian(out ushort a);
            int fieldCount, scopeCount;
            if (msg.Version == 9 && options)
            {
                // v9 options template: scope length and option length in bytes, 4 per field.
                if (!r.TryReadUInt16BigEndian(out ushort optionLength)) return ExportDecodeStatus.BadTemplate;
                if (a % 4 != 0 || optionLength % 4 != 0) return ExportDecodeStatus.BadTemplate;
                scopeCount = a / 4;
                fieldCount = scopeCount + optionLength / 4;
            }
            else
            {
                fieldCount = a;
                scopeCount = 0;
                if (msg.Version == 10 && fieldCount == 0)
                {
                    Withdraw(state, templateId, setId);
                    continue;
                }
                if (msg.Version == 10 && options)
                {
                    if (!r.TryReadUInt16BigEndian(out ushort sc)) return ExportDecodeStatus.BadTemplate;
                    scopeCount = sc;
                    if (scopeCount == 0 || scopeCount > fieldCount) return ExportDecodeStatus.BadTemplate;
                }
            }
            if (templateId < 256) return ExportDecodeStatus.BadTemplate;
            if (fieldCount == 0) return ExportDecodeStatus.BadTemplate;
            if (fieldCount > _limits.MaxFieldsPerTemplate)
            {
                _counters.TemplatesDroppedByLimit++;
                return ExportDecodeStatus.LimitReached; // the rest of the set cannot be located reliably past an unread template
            }

            var fields = new TemplateField[fieldCount];
            for (int i = 0; i < fieldCount; i++)
            {
                if (!r.TryReadUInt16BigEndian(out ushort id) || !r.TryReadUInt16BigEndian(out ushort len)) return ExportDecodeStatus.BadTemplate;
                uint enterprise = 0;
                if (msg.Version == 10 && (id & 0x8000) != 0)
                {
                    if (!r.TryReadUInt32BigEndian(out enterprise)) return ExportDecodeStatus.BadTemplate;
                    id &= 0x7FFF;
                }
                if (msg.Version == 9 && len == TemplateField.VariableLength) return ExportDecodeStatus.BadTemplate;
                fields[i] = new TemplateField(id, len, enterprise);
            }

            var template = new Template(templateId, fields, scopeCount, options);
            if (template.MinRecordLength == 0)
            {
                // A template whose every field has length 0 describes no bytes: it can never yield a record.
                return ExportDecodeStatus.BadTemplate;
            }
            if (!state.Templates.ContainsKey(templateId) && state.Templates.Count >= _limits.MaxTemplatesPerExporter)
            {
                _counters.TemplatesDroppedByLimit++;
                return ExportDecodeStatus.LimitReached;
            }
            state.Templates[templateId] = template;
            _counters.TemplatesAdded++;
            ReleasePending(templateId, msg, state, output);
        }
        return ExportDecodeStatus.Decoded;
    }

    /// <summary>IPFIX withdrawal (RFC 7011 §8.1): a record with field count 0; the set id as template id withdraws all of that kind.</summary>
    private void Withdraw(ExporterState state, ushort templateId, ushort setId)
    {
        if (templateId == setId)
        {
            bool options = setId == 3;
            var ids = new List<ushort>();
            foreach (var kv in state.Templates) if (kv.Value.IsOptions == options) ids.Add(kv.Key);
            foreach (var id in ids) state.Templates.Remove(id);
            _counters.TemplatesWithdrawn += ids.Count;
        }
        else if (state.Templates.Remove(templateId))
        {
            _counters.TemplatesWithdrawn++;
        }
    }

    private void ReleasePending(ushort templateId, Message msg, ExporterState state, List<FlowRecord> output)
    {
        if (state.Pending.Count == 0) return;
        for (int i = 0; i < state.Pending.Count; i++)
        {
            var p = state.Pending[i];
            if (p.TemplateId != templateId) continue;
            state.Pending.RemoveAt(i--);
            state.PendingBytes -= p.Body.Length;
            _counters.SetsReleased++;
            var held = msg with { ExportSeconds = p.ExportSeconds, SysUptime = p.SysUptime, Received = p.Received };
            int before = output.Count;
            DecodeDataSet(p.Body, templateId, held, state, output, allowHold: false);
            _counters.RecordsFromHeldSets += output.Count - before;
        }
    }

    // ---- data ----------------------------------------------------------------------------------------

    private ExportDecodeStatus DecodeDataSet(ReadOnlySpan<byte> body, ushort setId, Message msg, ExporterState state, List<FlowRecord> output, bool allowHold)
    {
        if (!state.Templates.TryGetValue(setId, out var template))
        {
            if (!allowHold) return ExportDecodeStatus.Decoded;
            if (state.Pending.Count >= _limits.MaxPendingSetsPerExporter || state.PendingBytes + body.Length > _limits.MaxPendingBytesPerExporter)
            {
                _counters.SetsDroppedByLimit++;
                return ExportDecodeStatus.LimitReached;
            }
            state.Pending.Add(new PendingSet(setId, body.ToArray(), msg.ExportSeconds, msg.SysUptime, msg.Received));
            state.PendingBytes += body.Length;
            _counters.SetsHeld++;
            return ExportDecodeStatus.Decoded;
        }

        var r = new WireReader(body);
        // Trailing bytes shorter than one record are padding (RFC 7011 §3.3.1).
        while (r.Remaining >= template.MinRecordLength)
        {
            int start = r.Consumed;
            if (template.IsOptions)
            {
                if (!ReadOptionsRecord(ref r, template, msg, state)) return start == 0 ? ExportDecodeStatus.Truncated : ExportDecodeStatus.Decoded;
                _counters.OptionsRecords++;
                OptionsRecordObserved?.Invoke();
            }
            else
            {
                var record = NewRecord();
                if (!ReadDataRecord(ref r, template, msg, state, record))
                    return start == 0 ? ExportDecodeStatus.Truncated : ExportDecodeStatus.Decoded;
                output.Add(record);
                _counters.Records++;
            }
        }
        return ExportDecodeStatus.Decoded;
    }

    private static bool TryField(ref WireReader r, in TemplateField field, out ReadOnlySpan<byte> value)
    {
        int len = field.Length;
        if (field.IsVariable)
        {
            if (!r.TryReadByte(out byte b)) { value = default; return false; }
            len = b;
            if (b == 255)
            {
                if (!r.TryReadUInt16BigEndian(out ushort l)) { value = default; return false; }
                len = l;
            }
        }
        return r.TrySlice(len, out value);
    }

    /// <summary>An unsigned integer of 1..8 bytes (RFC 7011 §6.2 reduced-size encoding); 0 for other lengths.</summary>
    private static ulong UInt(ReadOnlySpan<byte> v)
    {
        if (v.Length is 0 or > 8) return 0;
        ulong x = 0;
        foreach (byte b in v) x = x << 8 | b;
        return x;
    }

    private static uint SamplingRate(ulong interval, ulong space) =>
        interval == 0 ? 0 : (uint)Math.Min(uint.MaxValue, (interval + space) / interval);

    private bool ReadOptionsRecord(ref WireReader r, Template t, Message msg, ExporterState state)
    {
        ulong samplerId = 0, interval = 0, packetInterval = 0, packetSpace = 0;
        bool hasSampler = false;
        for (int i = 0; i < t.Fields.Length; i++)
        {
            ref readonly var f = ref t.Fields[i];
            if (!TryField(ref r, f, out var v)) return false;
            if (f.Enterprise != 0) continue;
            // v9 scope fields use their own type space (1 system, 2 interface, ...): not information elements.
            if (msg.Version == 9 && i < t.ScopeCount) continue;
            switch (f.Id)
            {
                case InformationElementIds.SamplerId or InformationElementIds.SelectorId: samplerId = UInt(v); hasSampler = true; break;
                case InformationElementIds.SamplingInterval or InformationElementIds.SamplerRandomInterval: interval = UInt(v); break;
                case InformationElementIds.SamplingPacketInterval: packetInterval = UInt(v); break;
                case InformationElementIds.SamplingPacketSpace: packetSpace = UInt(v); break;
                case InformationElementIds.SystemInitTimeMilliseconds: state.SystemInitMilliseconds = UInt(v); break;
            }
        }
        uint rate = interval != 0 ? (uint)Math.Min(uint.MaxValue, interval) : SamplingRate(packetInterval, packetSpace);
        if (rate == 0) return true;
        if (hasSampler)
        {
            if (state.Samplers.ContainsKey(samplerId) || state.Samplers.Count < _limits.MaxSamplersPerExporter)
                state.Samplers[samplerId] = rate;
        }
        else
        {
            state.DefaultSampling = rate;
        }
        return true;
    }

    private static bool ReadDataRecord(ref WireReader r, Template t, Message msg, ExporterState state, FlowRecord f)
    {
        DateTime export = DateTime.UnixEpoch.AddSeconds(msg.ExportSeconds);
        DateTime? start = null, end = null;
        long startUptime = -1, endUptime = -1;
        ulong systemInit = state.SystemInitMilliseconds;
        ulong samplerId = 0;
        bool hasSampler = false;
        uint sampling = 0;
        ushort icmpTypeCode = 0;
        Span<uint> mpls = stackalloc uint[MaxMplsLabels];
        int mplsDepth = 0;
        int icmpType = -1, icmpCode = -1;
        System.Text.StringBuilder? enterprise = null;

        for (int i = 0; i < t.Fields.Length; i++)
        {
            ref readonly var field = ref t.Fields[i];
            if (!TryField(ref r, field, out var v)) return false;
            if (field.Enterprise != 0)
            {
                // Kept raw, named by enterprise number and element id (the record is bounded by its datagram).
                enterprise ??= new System.Text.StringBuilder();
                if (enterprise.Length > 0) enterprise.Append(';');
                enterprise.Append(field.Enterprise).Append('.').Append(field.Id).Append('=');
                foreach (byte b in v) enterprise.Append(HexDigits[b >> 4]).Append(HexDigits[b & 0xF]);
                continue;
            }
            if (v.Length == 0) continue;
            switch (field.Id)
            {
                case InformationElementIds.OctetDeltaCount or InformationElementIds.OctetTotalCount: f.Bytes = (long)UInt(v); break;
                case InformationElementIds.PacketDeltaCount or InformationElementIds.PacketTotalCount: f.Packets = (long)UInt(v); break;
                case InformationElementIds.DeltaFlowCount: f.Flows = (long)UInt(v); break;
                case InformationElementIds.ProtocolIdentifier: f.Protocol = v[0]; break;
                case InformationElementIds.IpClassOfService: f.SrcTos = v[0]; break;
                case InformationElementIds.PostIpClassOfService: f.DstTos = v[0]; break;
                case InformationElementIds.TcpControlBits: f.TcpFlags = (TcpFlags)(byte)UInt(v); break;
                case InformationElementIds.SourceTransportPort: f.SrcPort = (ushort)UInt(v); break;
                case InformationElementIds.DestinationTransportPort: f.DstPort = (ushort)UInt(v); break;
                case InformationElementIds.SourceIPv4Address when v.Length == 4: f.Src = FlowAddress.FromIPv4(v); break;
                case InformationElementIds.DestinationIPv4Address when v.Length == 4: f.Dst = FlowAddress.FromIPv4(v); break;
                case InformationElementIds.SourceIPv6Address when v.Length == 16: f.Src = FlowAddress.FromIPv6(v); break;
                case InformationElementIds.DestinationIPv6Address when v.Length == 16: f.Dst = FlowAddress.FromIPv6(v); break;
                case InformationElementIds.SourceIPv4PrefixLength or InformationElementIds.SourceIPv6PrefixLength: f.SrcMask = v[0]; break;
                case InformationElementIds.DestinationIPv4PrefixLength or InformationElementIds.DestinationIPv6PrefixLength: f.DstMask = v[0]; break;
                case InformationElementIds.IngressInterface: f.InputInterface = (uint)UInt(v); break;
                case InformationElementIds.EgressInterface: f.OutputInterface = (uint)UInt(v); break;
                case InformationElementIds.IpNextHopIPv4Address when v.Length == 4: f.NextHopAddress = FlowAddress.FromIPv4(v); break;
                case InformationElementIds.IpNextHopIPv6Address when v.Length == 16: f.NextHopAddress = FlowAddress.FromIPv6(v); break;
                case InformationElementIds.BgpNextHopIPv4Address when v.Length == 4: f.BgpNextHopAddress = FlowAddress.FromIPv4(v); break;
                case InformationElementIds.BgpNextHopIPv6Address when v.Length == 16: f.BgpNextHopAddress = FlowAddress.FromIPv6(v); break;
                case InformationElementIds.BgpSourceAsNumber: f.SrcAs = (uint)UInt(v); break;
                case InformationElementIds.BgpDestinationAsNumber: f.DstAs = (uint)UInt(v); break;
                case InformationElementIds.FlowEndSysUpTime: endUptime = (long)UInt(v); break;
                case InformationElementIds.FlowStartSysUpTime: startUptime = (long)UInt(v); break;
                case InformationElementIds.PostOctetDeltaCount: f.OutBytes = (long)UInt(v); break;
                case InformationElementIds.PostPacketDeltaCount: f.OutPackets = (long)UInt(v); break;
                case InformationElementIds.IcmpTypeCodeIPv4 or InformationElementIds.IcmpTypeCodeIPv6: icmpTypeCode = (ushort)UInt(v); break;
                case InformationElementIds.IcmpTypeIPv4 or InformationElementIds.IcmpTypeIPv6: icmpType = v[0]; break;
                case InformationElementIds.IcmpCodeIPv4 or InformationElementIds.IcmpCodeIPv6: icmpCode = v[0]; break;
                case InformationElementIds.SamplingInterval or InformationElementIds.SamplerRandomInterval: sampling = (uint)Math.Min(uint.MaxValue, UInt(v)); break;
                case InformationElementIds.SamplerId or InformationElementIds.SelectorId: samplerId = UInt(v); hasSampler = true; break;
                case InformationElementIds.EngineType: f.EngineType = v[0]; break;
                case InformationElementIds.EngineId: f.EngineId = v[0]; break;
                case InformationElementIds.SourceMacAddress when v.Length == 6: f.SrcMacValue = UInt(v); break;
                case InformationElementIds.DestinationMacAddress when v.Length == 6: f.DstMacValue = UInt(v); break;
                case InformationElementIds.PostSourceMacAddress when v.Length == 6: f.OutSrcMacValue = UInt(v); break;
                case InformationElementIds.PostDestinationMacAddress when v.Length == 6: f.OutDstMacValue = UInt(v); break;
                case InformationElementIds.VlanId: f.SrcVlan = (ushort)UInt(v); break;
                case InformationElementIds.PostVlanId: f.DstVlan = (ushort)UInt(v); break;
                case InformationElementIds.FlowDirection: f.Direction = v[0] == 0 ? FlowDirection.Ingress : v[0] == 1 ? FlowDirection.Egress : FlowDirection.Unknown; break;
                case InformationElementIds.MinimumTtl: f.MinTtl = v[0]; break;
                case InformationElementIds.MaximumTtl: f.MaxTtl = v[0]; break;
                case InformationElementIds.ForwardingStatus: f.ForwardingStatus = (byte)UInt(v); break;
                case InformationElementIds.FlowEndReason: f.FlowEndReason = v[0]; break;
                case InformationElementIds.BiflowDirection: f.BiFlowDirection = v[0]; break;
                case InformationElementIds.ObservationPointId: f.ObservationPointId = UInt(v); break;
                case InformationElementIds.IngressVrfId: f.IngressVrf = (uint)UInt(v); break;
                case InformationElementIds.EgressVrfId: f.EgressVrf = (uint)UInt(v); break;
                case InformationElementIds.SystemInitTimeMilliseconds: systemInit = UInt(v); break;
                case InformationElementIds.DataLinkFrameSection:
                    ApplyFrame(v, f);
                    break;
                case >= InformationElementIds.MplsTopLabelStackSection and <= InformationElementIds.MplsLabelStackSection10 when v.Length == 3:
                    // label(20) exp(3) bottom(1), as on the wire; the position in the stack is the element id's
                    int depth = field.Id - InformationElementIds.MplsTopLabelStackSection;
                    mpls[depth] = (uint)UInt(v);
                    if (mpls[depth] != 0) mplsDepth = Math.Max(mplsDepth, depth + 1); // unused positions are sent as zero
                    break;
                case InformationElementIds.FlowStartSeconds: start = FromUnixMs(UInt(v) > MaxUnixMs / 1000 ? ulong.MaxValue : UInt(v) * 1000); break;
                case InformationElementIds.FlowEndSeconds: end = FromUnixMs(UInt(v) > MaxUnixMs / 1000 ? ulong.MaxValue : UInt(v) * 1000); break;
                case InformationElementIds.FlowStartMilliseconds: start = FromUnixMs(UInt(v)); break;
                case InformationElementIds.FlowEndMilliseconds: end = FromUnixMs(UInt(v)); break;
                case InformationElementIds.FlowStartMicroseconds: start = FromNtp(UInt(v)); break;
                case InformationElementIds.FlowEndMicroseconds: end = FromNtp(UInt(v)); break;
                case InformationElementIds.FlowStartNanoseconds: start = FromNtp(UInt(v)); break;
                case InformationElementIds.FlowEndNanoseconds: end = FromNtp(UInt(v)); break;
                case InformationElementIds.FlowStartDeltaMicroseconds: start = export.AddTicks(-(long)Math.Min(UInt(v), int.MaxValue) * 10); break;
                case InformationElementIds.FlowEndDeltaMicroseconds: end = export.AddTicks(-(long)Math.Min(UInt(v), int.MaxValue) * 10); break;
            }
        }

        // Uptime-relative times: v9 against the header's sysUptime, IPFIX against systemInitTimeMilliseconds.
        if (startUptime >= 0) start ??= UptimeToUtc(startUptime, msg, systemInit, export);
        if (endUptime >= 0) end ??= UptimeToUtc(endUptime, msg, systemInit, export);
        f.Start = start ?? end ?? export;
        f.End = end ?? f.Start;

        if (mplsDepth > 0) f.MplsStack = mpls[..mplsDepth].ToArray();
        if (enterprise is not null) f.EnterpriseFields = enterprise.ToString();

        if (f.Protocol is IpProtocolNames.Icmp or IpProtocolNames.Icmp6)
        {
            if (icmpTypeCode != 0) f.DstPort = icmpTypeCode;
            else if (icmpType >= 0) f.DstPort = (ushort)(icmpType << 8 | Math.Max(icmpCode, 0));
        }

        if (hasSampler && state.Samplers.TryGetValue(samplerId, out uint announced)) f.SamplingInterval = announced;
        else if (sampling != 0) f.SamplingInterval = sampling;
        else f.SamplingInterval = state.DefaultSampling;

        f.ExporterAddress = msg.Exporter;
        f.ExportVersion = msg.Version;
        f.ObservationDomainId = msg.Domain;
        f.Received = msg.Received;
        return true;
    }

    private const int MaxMplsLabels = 10;
    private const string HexDigits = "0123456789abcdef";

    /// <summary>
    /// IPFIX dataLinkFrameSection (315): the start of a sampled Ethernet frame, read by our packet decoder. Fills only
    /// what the record's own elements left empty (an exporter's explicit elements win over the frame copy).
    /// </summary>
    private static void ApplyFrame(ReadOnlySpan<byte> frame, FlowRecord f)
    {
        if (PacketDecoder.Decode(LinkType.Ethernet, frame, out var p) != DecodeOutcome.Decoded) return;
        if (f.Src.IsNone) f.Src = p.Src;
        if (f.Dst.IsNone) f.Dst = p.Dst;
        if (f.Protocol == 0) f.Protocol = p.Protocol;
        if (f.SrcPort == 0) f.SrcPort = p.SrcPort;
        if (f.DstPort == 0) f.DstPort = p.DstPort;
        if (f.TcpFlags == 0) f.TcpFlags = p.TcpFlags;
        if (f.SrcTos == 0) f.SrcTos = p.Tos;
        if (f.SrcVlan == 0) f.SrcVlan = p.Vlan;
        if (f.SrcMacValue == 0) f.SrcMacValue = p.SrcMac;
        if (f.DstMacValue == 0) f.DstMacValue = p.DstMac;
        if (f.MinTtl == 0) f.MinTtl = f.MaxTtl = p.Ttl;
        if (f.Bytes == 0) f.Bytes = p.IpLength;
        if (f.Packets == 0) f.Packets = 1; // a frame section is one sampled packet; a packet count later in the record overrides
    }

    private static DateTime UptimeToUtc(long uptimeValue, Message msg, ulong systemInit, DateTime export)
    {
        if (msg.Version == 9) return export.AddMilliseconds(-(int)(msg.SysUptime - (uint)uptimeValue));
        if (systemInit != 0)
        {
            // sysUpTime counters are 32-bit milliseconds: a time more than a day after the export is a counter that went
            // "negative" (softflowd -r stamps flows from an older capture this way) and is read modulo 2^32, as v9's are.
            ulong ms = Math.Min(systemInit, MaxUnixMs) + (ulong)uptimeValue;
            ulong exportMs = (ulong)(export - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerMillisecond;
            const ulong Wrap = 1UL << 32, Slack = 86_400_000;
            if (ms > exportMs + Slack && ms - exportMs - Slack <= Wrap) ms -= Wrap;
            return FromUnixMs(ms);
        }
        return export; // IPFIX uptime without the exporter's init time: nothing better than the export time
    }

    /// <summary>Milliseconds from 1970 to a day before <see cref="DateTime.MaxValue"/>: later times from a corrupt field are clamped, never thrown on.</summary>
    private const ulong MaxUnixMs = 253_402_214_400_000UL; // 9999-12-31T00:00:00Z

    private static DateTime FromUnixMs(ulong ms) => new DateTime(DateTime.UnixEpoch.Ticks + (long)Math.Min(ms, MaxUnixMs) * TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);

    /// <summary>RFC 7011 §6.1.9/10: NTP 64-bit timestamp, seconds since 1900 in the high word, binary fraction in the low word.</summary>
    private static DateTime FromNtp(ulong ntp)
    {
        const long NtpToUnixSeconds = 2_208_988_800;
        long seconds = (long)(ntp >> 32) - NtpToUnixSeconds;
        long ticks = (long)((ntp & 0xFFFFFFFF) * TimeSpan.TicksPerSecond >> 32);
        if (seconds < 0) return DateTime.UnixEpoch;
        return DateTime.UnixEpoch.AddSeconds(seconds).AddTicks(ticks);
    }
}
