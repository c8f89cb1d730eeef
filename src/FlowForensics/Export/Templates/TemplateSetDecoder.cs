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
                // Length 65535 is RFC 7011's variable-length marker; NetFlow v9 exporters use it too (H3C NetStream strings), as nfcapd reads them.
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
            if (template.IsOptions)
            {
                if (!ReadOptionsRecord(ref r, template, msg, state))
                {
                    _counters.TruncatedRecords++;
                    return ExportDecodeStatus.Truncated;
                }
                _counters.OptionsRecords++;
                OptionsRecordObserved?.Invoke();
            }
            else
            {
                var record = NewRecord();
                if (!ReadDataRecord(ref r, template, msg, state, record))
                {
                    // A record that does not fit what is left of its set (its fields, often a variable-length one, run past
                    // the end) is dropped and counted; the records before it stay.
                    _counters.TruncatedRecords++;
                    return ExportDecodeStatus.Truncated;
                }
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
        ulong samplerId = 0, interval = 0, packetInterval = 0, packetSpace = 0, size = 0, population = 0;
        bool hasSampler = false, hasInterface = false;
        int algorithm = -1;
        uint ifIndex = 0;
        string? ifName = null, ifDescription = null, appId = null, appName = null;
        for (int i = 0; i < t.Fields.Length; i++)
        {
            ref readonly var f = ref t.Fields[i];
            if (!TryField(ref r, f, out var v)) return false;
            if (f.Enterprise != 0 || v.Length == 0) continue;
            // v9 scope fields use their own type space (1 system, 2 interface, ...): not information elements.
            if (msg.Version == 9 && i < t.ScopeCount)
            {
                if (f.Id == InformationElementIds.ScopeInterface) { ifIndex = (uint)UInt(v); hasInterface = true; }
                continue;
            }
            switch (f.Id)
            {
                case InformationElementIds.SamplerId or InformationElementIds.SelectorId: samplerId = UInt(v); hasSampler = true; break;
                case InformationElementIds.SamplingInterval or InformationElementIds.SamplerRandomInterval: interval = UInt(v); break;
                case InformationElementIds.SamplingPacketInterval: packetInterval = UInt(v); break;
                case InformationElementIds.SamplingPacketSpace: packetSpace = UInt(v); break;
                case InformationElementIds.SamplingSize: size = UInt(v); break;
                case InformationElementIds.SamplingPopulation: population = UInt(v); break;
                case InformationElementIds.SamplingAlgorithm or InformationElementIds.SamplerMode or InformationElementIds.SelectorAlgorithm:
                    algorithm = (int)Math.Min(byte.MaxValue, UInt(v)); break;
                case InformationElementIds.SystemInitTimeMilliseconds: state.SystemInitMilliseconds = UInt(v); break;
                case InformationElementIds.IngressInterface or InformationElementIds.EgressInterface: ifIndex = (uint)UInt(v); hasInterface = true; break;
                case InformationElementIds.InterfaceName: ifName = Text(v); break;
                case InformationElementIds.InterfaceDescription: ifDescription = Text(v); break;
                case InformationElementIds.ApplicationId: appId = FormatApplicationId(v); break;
                case InformationElementIds.ApplicationName: appName = Text(v); break;
            }
        }
        if (hasInterface && (ifName ?? ifDescription) is { Length: > 0 } name) Remember(state.InterfaceNames, ifIndex, name);
        if (appId is not null && appName is { Length: > 0 }) Remember(state.ApplicationNames, appId, appName);

        uint rate = interval != 0 ? (uint)Math.Min(uint.MaxValue, interval)
            : packetInterval != 0 ? SamplingRate(packetInterval, packetSpace)
            : SamplingRatio(size, population);
        if (rate == 0) return true;
        if (hasSampler)
        {
            if (state.Samplers.ContainsKey(samplerId) || state.Samplers.Count < _limits.MaxSamplersPerExporter)
            {
                state.Samplers[samplerId] = rate;
                if (algorithm >= 0) state.SamplerAlgorithms[samplerId] = (byte)algorithm;
            }
        }
        else
        {
            state.DefaultSampling = rate;
            if (algorithm >= 0) state.DefaultAlgorithm = (byte)algorithm;
        }
        return true;
    }

    private void Remember<TKey>(Dictionary<TKey, string> names, TKey key, string name) where TKey : notnull
    {
        if (names.Count >= _limits.MaxNamesPerExporter && !names.ContainsKey(key))
        {
            _counters.NamesDroppedByLimit++;
            return;
        }
        names[key] = name;
    }

    private static bool ReadDataRecord(ref WireReader r, Template t, Message msg, ExporterState state, FlowRecord f)
    {
        DateTime export = DateTime.UnixEpoch.AddSeconds(msg.ExportSeconds);
        DateTime? start = null, end = null, eventTime = null;
        long startUptime = -1, endUptime = -1, durationTicks = -1;
        ulong systemInit = state.SystemInitMilliseconds;
        ulong samplerId = 0;
        bool hasSampler = false;
        uint sampling = 0;
        ulong packetInterval = 0, packetSpace = 0, samplingSize = 0, samplingPopulation = 0;
        ushort icmpTypeCode = 0;
        Span<uint> mpls = stackalloc uint[MaxMplsLabels];
        int mplsDepth = 0;
        int icmpType = -1, icmpCode = -1;
        // Counters by precedence: delta/total counts (1/2, 85/86) first; NSEL/RFC 5103 initiator/responder counts (231/232, 298/299) when absent.
        long initiatorOctets = -1, initiatorPackets = -1, responderOctets = -1, responderPackets = -1;
        bool hasBytes = false, hasPackets = false, hasOutBytes = false, hasOutPackets = false;
        // Both address families may be in one template (Procera, Mikrotik): keep each and choose once the record is read.
        FlowAddress src4 = default, dst4 = default, src6 = default, dst6 = default;
        System.Text.StringBuilder? enterprise = null;
        System.Text.StringBuilder? extra = null;

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
                if (v.Length > 0) AppendExtra(ref extra, t.Names[i], t.Kinds[i], v);
                continue;
            }
            if (v.Length == 0) continue;
            switch (field.Id)
            {
                case InformationElementIds.OctetDeltaCount or InformationElementIds.OctetTotalCount: f.Bytes = (long)UInt(v); hasBytes = true; break;
                case InformationElementIds.PacketDeltaCount or InformationElementIds.PacketTotalCount: f.Packets = (long)UInt(v); hasPackets = true; break;
                case InformationElementIds.InitiatorOctets: initiatorOctets = (long)UInt(v); break;
                case InformationElementIds.InitiatorPackets: initiatorPackets = (long)UInt(v); break;
                case InformationElementIds.ResponderOctets: responderOctets = (long)UInt(v); break;
                case InformationElementIds.ResponderPackets: responderPackets = (long)UInt(v); break;
                case InformationElementIds.DeltaFlowCount: f.Flows = (long)UInt(v); break;
                case InformationElementIds.ProtocolIdentifier: f.Protocol = v[0]; break;
                case InformationElementIds.IpClassOfService: f.SrcTos = v[0]; break;
                case InformationElementIds.PostIpClassOfService: f.DstTos = v[0]; break;
                case InformationElementIds.TcpControlBits: f.TcpFlags = (TcpFlags)(byte)UInt(v); break;
                case InformationElementIds.SourceTransportPort or InformationElementIds.UdpSourcePort or InformationElementIds.TcpSourcePort:
                    f.SrcPort = (ushort)UInt(v); break;
                case InformationElementIds.DestinationTransportPort or InformationElementIds.UdpDestinationPort or InformationElementIds.TcpDestinationPort:
                    f.DstPort = (ushort)UInt(v); break;
                case InformationElementIds.SourceIPv4Address when v.Length == 4: src4 = FlowAddress.FromIPv4(v); break;
                case InformationElementIds.DestinationIPv4Address when v.Length == 4: dst4 = FlowAddress.FromIPv4(v); break;
                case InformationElementIds.SourceIPv6Address when v.Length == 16: src6 = FlowAddress.FromIPv6(v); break;
                case InformationElementIds.DestinationIPv6Address when v.Length == 16: dst6 = FlowAddress.FromIPv6(v); break;
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
                case InformationElementIds.BgpNextAdjacentAsNumber: f.NextAs = (uint)UInt(v); break;
                case InformationElementIds.BgpPrevAdjacentAsNumber: f.PrevAs = (uint)UInt(v); break;
                case InformationElementIds.FlowEndSysUpTime: endUptime = (long)UInt(v); break;
                case InformationElementIds.FlowStartSysUpTime: startUptime = (long)UInt(v); break;
                case InformationElementIds.PostOctetDeltaCount or InformationElementIds.PostOctetTotalCount: f.OutBytes = (long)UInt(v); hasOutBytes = true; break;
                case InformationElementIds.PostPacketDeltaCount or InformationElementIds.PostPacketTotalCount: f.OutPackets = (long)UInt(v); hasOutPackets = true; break;
                case InformationElementIds.IcmpTypeCodeIPv4 or InformationElementIds.IcmpTypeCodeIPv6: icmpTypeCode = (ushort)UInt(v); break;
                case InformationElementIds.IcmpTypeIPv4 or InformationElementIds.IcmpTypeIPv6: icmpType = v[0]; break;
                case InformationElementIds.IcmpCodeIPv4 or InformationElementIds.IcmpCodeIPv6: icmpCode = v[0]; break;
                case InformationElementIds.SamplingInterval or InformationElementIds.SamplerRandomInterval: sampling = (uint)Math.Min(uint.MaxValue, UInt(v)); break;
                case InformationElementIds.SamplingPacketInterval: packetInterval = UInt(v); break;
                case InformationElementIds.SamplingPacketSpace: packetSpace = UInt(v); break;
                case InformationElementIds.SamplingSize: samplingSize = UInt(v); break;
                case InformationElementIds.SamplingPopulation: samplingPopulation = UInt(v); break;
                case InformationElementIds.SamplingAlgorithm or InformationElementIds.SamplerMode or InformationElementIds.SelectorAlgorithm:
                    f.SamplingAlgorithm = (byte)Math.Min(byte.MaxValue, UInt(v)); break;
                case InformationElementIds.SamplerId or InformationElementIds.SelectorId:
                    samplerId = UInt(v);
                    hasSampler = true;
                    AppendExtra(ref extra, t.Names[i], t.Kinds[i], v); // the id itself is evidence too (which sampler saw the flow)
                    break;
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
                case InformationElementIds.IpTtl:
                    if (f.MinTtl == 0) f.MinTtl = v[0];
                    if (f.MaxTtl == 0) f.MaxTtl = v[0];
                    break;
                case InformationElementIds.ForwardingStatus: f.ForwardingStatus = (byte)UInt(v); break;
                case InformationElementIds.FlowEndReason: f.FlowEndReason = v[0]; break;
                case InformationElementIds.BiflowDirection: f.BiFlowDirection = v[0]; break;
                case InformationElementIds.ObservationPointId: f.ObservationPointId = UInt(v); break;
                case InformationElementIds.IngressVrfId: f.IngressVrf = (uint)UInt(v); break;
                case InformationElementIds.EgressVrfId: f.EgressVrf = (uint)UInt(v); break;
                case InformationElementIds.SystemInitTimeMilliseconds: systemInit = UInt(v); break;
                case InformationElementIds.PostNatSourceIPv4Address or InformationElementIds.NselXlateSrcAddr84 when v.Length == 4 && IsNsel(msg, field.Id):
                    f.NatSrc = FlowAddress.FromIPv4(v); break;
                case InformationElementIds.PostNatDestinationIPv4Address or InformationElementIds.NselXlateDstAddr84 when v.Length == 4 && IsNsel(msg, field.Id):
                    f.NatDst = FlowAddress.FromIPv4(v); break;
                case InformationElementIds.PostNatSourceIPv6Address when v.Length == 16: f.NatSrc = FlowAddress.FromIPv6(v); break;
                case InformationElementIds.PostNatDestinationIPv6Address when v.Length == 16: f.NatDst = FlowAddress.FromIPv6(v); break;
                case InformationElementIds.PostNaptSourceTransportPort or InformationElementIds.NselXlateSrcPort84 when IsNsel(msg, field.Id):
                    f.NatSrcPort = (ushort)UInt(v); break;
                case InformationElementIds.PostNaptDestinationTransportPort or InformationElementIds.NselXlateDstPort84 when IsNsel(msg, field.Id):
                    f.NatDstPort = (ushort)UInt(v); break;
                case InformationElementIds.NatEvent: f.NatEvent = (byte)Math.Min(byte.MaxValue, UInt(v)); break;
                case InformationElementIds.FirewallEvent or InformationElementIds.NselFirewallEvent84 when IsNsel(msg, field.Id):
                    f.FirewallEvent = (byte)Math.Min(byte.MaxValue, UInt(v)); break;
                case InformationElementIds.NselFirewallExtEvent when msg.Version == 9: f.FirewallExtEvent = (ushort)UInt(v); break;
                case InformationElementIds.ObservationTimeSeconds: eventTime = FromUnixMs(UInt(v) > MaxUnixMs / 1000 ? ulong.MaxValue : UInt(v) * 1000); break;
                case InformationElementIds.ObservationTimeMilliseconds: eventTime = FromUnixMs(UInt(v)); break;
                case InformationElementIds.ObservationTimeMicroseconds or InformationElementIds.ObservationTimeNanoseconds: eventTime = FromNtp(UInt(v)); break;
                case InformationElementIds.FlowDurationMilliseconds: durationTicks = (long)Math.Min(UInt(v), uint.MaxValue) * TimeSpan.TicksPerMillisecond; break;
                case InformationElementIds.FlowDurationMicroseconds: durationTicks = (long)Math.Min(UInt(v), uint.MaxValue) * 10; break;
                case InformationElementIds.ApplicationId: f.ApplicationId = FormatApplicationId(v); break;
                case InformationElementIds.ApplicationName or InformationElementIds.PaloAltoAppId when IsNsel(msg, field.Id):
                    f.ApplicationName = Text(v); break;
                case InformationElementIds.NprobeClientDelayUsec when msg.Version == 9: f.ClientLatency = TimeSpan.FromTicks((long)Math.Min(UInt(v), uint.MaxValue) * 10); break;
                case InformationElementIds.NprobeServerDelayUsec when msg.Version == 9: f.ServerLatency = TimeSpan.FromTicks((long)Math.Min(UInt(v), uint.MaxValue) * 10); break;
                case InformationElementIds.NprobeApplLatencyUsec when msg.Version == 9: f.ApplicationLatency = TimeSpan.FromTicks((long)Math.Min(UInt(v), uint.MaxValue) * 10); break;
                case InformationElementIds.PaddingOctets: break;
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
                default:
                    AppendExtra(ref extra, t.Names[i], t.Kinds[i], v);
                    break;
            }
        }

        // Addresses: the family the exporter filled wins; with both filled the IPv4 pair is the record's and the IPv6 pair is kept by name.
        bool v4 = !src4.IsNone || !dst4.IsNone, v6 = !src6.IsNone || !dst6.IsNone;
        bool v4Set = IsSet(src4) || IsSet(dst4), v6Set = IsSet(src6) || IsSet(dst6);
        // A dataLinkFrameSection (315) already gave addresses: elements sent as zeros do not replace them.
        bool fromFrame = !f.Src.IsNone && !v4Set && !v6Set;
        if (!fromFrame && v4 && (v4Set || !v6Set)) { f.Src = src4; f.Dst = dst4; }
        else if (!fromFrame && v6) { f.Src = src6; f.Dst = dst6; }
        if (v4Set && v6Set)
        {
            if (IsSet(src6)) AppendExtra(ref extra, "sourceIPv6Address", ElementKind.V6, src6);
            if (IsSet(dst6)) AppendExtra(ref extra, "destinationIPv6Address", ElementKind.V6, dst6);
        }

        if (!hasBytes && initiatorOctets >= 0) f.Bytes = initiatorOctets;
        if (!hasPackets && initiatorPackets >= 0) f.Packets = initiatorPackets;
        if (!hasOutBytes && responderOctets >= 0) f.OutBytes = responderOctets;
        if (!hasOutPackets && responderPackets >= 0) f.OutPackets = responderPackets;

        // Uptime-relative times: v9 against the header's sysUptime, IPFIX against systemInitTimeMilliseconds.
        if (startUptime >= 0) start ??= UptimeToUtc(startUptime, msg, systemInit, export);
        if (endUptime >= 0) end ??= UptimeToUtc(endUptime, msg, systemInit, export);
        if (msg.Version == 10 && systemInit == 0 && startUptime >= 0 && endUptime >= startUptime && start == export && end == export)
        {
            // IPFIX uptimes without the exporter's boot time: the flow ended by the export; its length is still known.
            start = export.AddMilliseconds(-(endUptime - startUptime));
        }
        if (end is null && start is not null && durationTicks >= 0) end = start.Value.AddTicks(Math.Min(durationTicks, (DateTime.MaxValue - start.Value).Ticks));
        else if (start is not null && start == end && durationTicks > 0) start = end.Value.AddTicks(-Math.Min(durationTicks, (end.Value - DateTime.UnixEpoch).Ticks));
        // A record with no flow times (a NAT or firewall event) happened at its event time, not when it was exported.
        f.Start = start ?? end ?? eventTime ?? export;
        f.End = end ?? f.Start;
        f.EventTime = eventTime;

        if (mplsDepth > 0) f.MplsStack = mpls[..mplsDepth].ToArray();
        if (enterprise is not null) f.EnterpriseFields = enterprise.ToString();
        if (extra is not null) f.ExtraFields = extra.ToString();

        if (f.Protocol is IpProtocolNames.Icmp or IpProtocolNames.Icmp6)
        {
            if (icmpTypeCode != 0) f.DstPort = icmpTypeCode;
            else if (icmpType >= 0) f.DstPort = (ushort)(icmpType << 8 | Math.Max(icmpCode, 0));
        }

        uint ownRate = sampling != 0 ? sampling
            : packetInterval != 0 ? SamplingRate(packetInterval, packetSpace)
            : SamplingRatio(samplingSize, samplingPopulation);
        if (hasSampler && state.Samplers.TryGetValue(samplerId, out uint announced))
        {
            f.SamplingInterval = announced;
            if (f.SamplingAlgorithm == 0 && state.SamplerAlgorithms.TryGetValue(samplerId, out byte algorithm)) f.SamplingAlgorithm = algorithm;
        }
        else if (ownRate != 0) f.SamplingInterval = ownRate;
        else
        {
            f.SamplingInterval = state.DefaultSampling;
            if (f.SamplingAlgorithm == 0 && state.DefaultSampling != 0) f.SamplingAlgorithm = state.DefaultAlgorithm;
        }

        if (f.InputInterface != 0 && state.InterfaceNames.Count != 0 && state.InterfaceNames.TryGetValue(f.InputInterface, out var inName)) f.InputInterfaceName = inName;
        if (f.OutputInterface != 0 && state.InterfaceNames.Count != 0 && state.InterfaceNames.TryGetValue(f.OutputInterface, out var outName)) f.OutputInterfaceName = outName;
        if (f.ApplicationId is not null && f.ApplicationName is null && state.ApplicationNames.TryGetValue(f.ApplicationId, out var appName)) f.ApplicationName = appName;

        f.ExporterAddress = msg.Exporter;
        f.ExportVersion = msg.Version;
        f.ObservationDomainId = msg.Domain;
        f.Received = msg.Received;
        return true;
    }

    /// <summary>An address that is present and not all zeros.</summary>
    private static bool IsSet(FlowAddress a) => !a.IsNone && (a.High | (a.IsIPv4 ? a.IPv4Value : a.Low)) != 0;

    /// <summary>
    /// NetFlow v9 field types 40001–40005 and 56701 are Cisco ASA 8.4 NSEL / Palo Alto's: only v9 has them (IPFIX ids stop at 32767);
    /// the IANA ids in the same cases apply to both protocols.
    /// </summary>
    private static bool IsNsel(Message msg, ushort id) => id < 32768 || msg.Version == 9;

    /// <summary>RFC 5476 samplingSize out of samplingPopulation (pmacct, "N of M packets"): 1 in M/N.</summary>
    private static uint SamplingRatio(ulong size, ulong population) =>
        size == 0 || population == 0 ? 0 : (uint)Math.Min(uint.MaxValue, Math.Max(1, population / size));

    /// <summary>applicationId (95) as nfdump prints it: <c>engine..selector</c>, or <c>20..PEN..selector</c> for engine 20 (PEN).</summary>
    internal static string FormatApplicationId(ReadOnlySpan<byte> v)
    {
        var ci = System.Globalization.CultureInfo.InvariantCulture;
        byte engine = v[0];
        if (engine == 20 && v.Length >= 5)
        {
            uint pen = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(v[1..5]);
            return string.Create(ci, $"{engine}..{pen}..{UInt(v[5..])}");
        }
        return string.Create(ci, $"{engine}..{UInt(v[1..])}");
    }

    /// <summary>A string element: UTF-8, cut at the first NUL (exporters pad fixed-length strings with zeros).</summary>
    private static string Text(ReadOnlySpan<byte> v)
    {
        int nul = v.IndexOf((byte)0);
        if (nul >= 0) v = v[..nul];
        return System.Text.Encoding.UTF8.GetString(v);
    }

    private static void AppendExtra(ref System.Text.StringBuilder? sb, string name, ElementKind kind, FlowAddress address)
    {
        sb ??= new System.Text.StringBuilder();
        if (sb.Length > 0) sb.Append(';');
        sb.Append(name).Append('=').Append(address.ToString());
    }

    /// <summary>Appends <c>name=value</c>; <c>;</c>, <c>=</c>, <c>%</c> and control characters in text are percent-encoded.</summary>
    private static void AppendExtra(ref System.Text.StringBuilder? sb, string name, ElementKind kind, ReadOnlySpan<byte> v)
    {
        sb ??= new System.Text.StringBuilder();
        if (sb.Length > 0) sb.Append(';');
        sb.Append(name).Append('=');
        var ci = System.Globalization.CultureInfo.InvariantCulture;
        switch (kind)
        {
            case ElementKind.U when v.Length <= 8: sb.Append(UInt(v).ToString(ci)); return;
            case ElementKind.I when v.Length is 1 or 2 or 4 or 8:
                long signed = (long)(UInt(v) << (64 - 8 * v.Length)) >> (64 - 8 * v.Length);
                sb.Append(signed.ToString(ci));
                return;
            case ElementKind.F when v.Length == 4: sb.Append(System.Buffers.Binary.BinaryPrimitives.ReadSingleBigEndian(v).ToString("R", ci)); return;
            case ElementKind.F when v.Length == 8: sb.Append(System.Buffers.Binary.BinaryPrimitives.ReadDoubleBigEndian(v).ToString("R", ci)); return;
            case ElementKind.V4 when v.Length == 4: sb.Append(FlowAddress.FromIPv4(v).ToString()); return;
            case ElementKind.V6 when v.Length == 16: sb.Append(FlowAddress.FromIPv6(v).ToString()); return;
            case ElementKind.Mac when v.Length == 6:
                for (int i = 0; i < 6; i++)
                {
                    if (i > 0) sb.Append(':');
                    sb.Append(HexDigits[v[i] >> 4]).Append(HexDigits[v[i] & 0xF]);
                }
                return;
            case ElementKind.S:
                foreach (char c in Text(v))
                {
                    if (c is ';' or '=' or '%' || char.IsControl(c)) sb.Append('%').Append(UpperHexDigits[(c >> 4) & 0xF]).Append(UpperHexDigits[c & 0xF]);
                    else sb.Append(c);
                }
                return;
        }
        foreach (byte b in v) sb.Append(HexDigits[b >> 4]).Append(HexDigits[b & 0xF]);
    }

    private const int MaxMplsLabels = 10;
    private const string HexDigits = "0123456789abcdef";
    private const string UpperHexDigits = "0123456789ABCDEF"; // percent-encoding (RFC 3986 §2.1)

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
