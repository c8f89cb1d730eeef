using System.Globalization;
using System.Text.Json;
using FlowForensics.Export;
using FlowForensics.Flows;
using Xunit;

namespace FlowForensics.Tests.Export;

/// <summary>
/// The logstash-codec-netflow datagrams in <c>data/export/logstash-dat</c> with logstash's expected
/// decodings: each file fed in order as one datagram to one decoder. Logstash emits options records as
/// events too, so the event list is rebuilt with a placeholder per options record; every expected field
/// with a mapping to <see cref="FlowRecord"/> must equal ours.
/// </summary>
public sealed class LogstashExpectedTests
{
    private static readonly FlowAddress Exporter = FlowAddress.FromIPv4(0x0A000001);
    private static readonly DateTime Received = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var f in SharedData.Files("data/export/logstash-dat/expected", "*.expected.json")) data.Add(Path.GetFileName(f));
        return data;
    }

    private sealed record Run(List<FlowRecord?> Events, List<FlowRecord> Records, List<ExportDecodeStatus> Statuses, ExportDecoder Decoder);

    private static Run Feed(JsonElement root, ExportDecoderLimits limits)
    {
        var decoder = new ExportDecoder(limits);
        var events = new List<FlowRecord?>();
        var records = new List<FlowRecord>();
        var statuses = new List<ExportDecodeStatus>();
        decoder.OptionsRecordObserved = () => events.Add(null);
        foreach (var file in root.GetProperty("input_files_in_order").EnumerateArray())
        {
            var bytes = File.ReadAllBytes(SharedData.Path("data/export/logstash-dat", file.GetString()!));
            // Flow records and options placeholders interleave in decode order: flush records as each options record arrives.
            int mark = records.Count;
            decoder.OptionsRecordObserved = () =>
            {
                for (int i = mark; i < records.Count; i++) events.Add(records[i]);
                mark = records.Count;
                events.Add(null);
            };
            statuses.Add(decoder.Decode(bytes, Exporter, Received, records));
            for (int i = mark; i < records.Count; i++) events.Add(records[i]);
        }
        return new Run(events, records, statuses, decoder);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DecodesAsLogstashExpects(string expectedFile)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Path("data/export/logstash-dat/expected", expectedFile)));
        var root = doc.RootElement;

        // Logstash drops data that comes before its template; so does our decoder when holding is switched off.
        var strict = Feed(root, new ExportDecoderLimits { MaxPendingSetsPerExporter = 0 });
        var held = Feed(root, ExportDecoderLimits.Default);

        bool invalid = expectedFile.Contains("invalid", StringComparison.Ordinal);
        if (invalid)
        {
            // logstash only asks that these do not raise. The v5 ones announce 0xd91e and 0xa3 records (more than v5's 30):
            // rejected with a reason. The v9 one only has a header count (2) below the records it carries (6); like
            // nfcapd we do not trust the count and decode what is there.
            var first = File.ReadAllBytes(SharedData.Path("data/export/logstash-dat", root.GetProperty("input_files_in_order")[0].GetString()!));
            if (first[1] == 5)
            {
                Assert.Equal(ExportDecodeStatus.BadHeader, strict.Statuses[0]);
                Assert.Empty(strict.Records);
                Assert.Equal(1, strict.Decoder.Counters[ExportDecodeStatus.BadHeader]);
            }
            else
            {
                Assert.Equal(ExportDecodeStatus.Decoded, strict.Statuses[0]);
                Assert.Equal(2, strict.Records.Count);
                Assert.Equal(1, strict.Decoder.Counters.OptionsRecords);
                Assert.Equal(100u, strict.Records[0].SamplingInterval); // options data: samplingInterval 100, no sampler id
            }
            return;
        }

        if (root.GetProperty("expected_event_count").ValueKind == JsonValueKind.Number)
            Assert.Equal(root.GetProperty("expected_event_count").GetInt32(), strict.Events.Count);

        // Holding data for a late template only ever adds the held records.
        Assert.Equal(strict.Records.Count + held.Decoder.Counters.RecordsFromHeldSets, held.Records.Count);

        int compared = 0;
        foreach (var ev in root.GetProperty("expected_full_events").EnumerateArray())
        {
            int index = ev.GetProperty("event").GetInt32();
            var netflow = ev.GetProperty("expected").GetProperty("netflow");
            Assert.True(index < strict.Events.Count, $"{expectedFile}: event {index} missing (we have {strict.Events.Count})");
            if (strict.Events[index] is null)
            {
                // An options record for us: logstash's event must be one too (no flow addresses).
                foreach (var field in netflow.EnumerateObject())
                    Assert.False(IsAddress(field.Name), $"{expectedFile}: event {index} is an options record for us, logstash has {field.Name}");
                continue;
            }
            foreach (var field in netflow.EnumerateObject())
                compared += Compare(strict.Events, index, field.Name, field.Value, expectedFile, ExportTime(ev));
        }
        foreach (var a in root.GetProperty("expected_field_assertions").EnumerateArray())
        {
            string name = a.GetProperty("field").GetString()!;
            if (!name.StartsWith("[netflow][", StringComparison.Ordinal)) continue;
            name = name["[netflow][".Length..^1];
            int at = a.GetProperty("event").GetInt32();
            if (at < strict.Events.Count && strict.Events[at] is null && !IsAddress(name)) continue; // options record, checked above
            compared += Compare(strict.Events, at, name, a.GetProperty("value"), expectedFile, null);
        }
        // Every expected flow event gets at least one mapped comparison; the count is recorded to catch a silently empty mapping.
        bool hasFlowExpectation = false;
        foreach (var ev in root.GetProperty("expected_full_events").EnumerateArray())
            if (strict.Events[ev.GetProperty("event").GetInt32()] is not null)
            foreach (var field in ev.GetProperty("expected").GetProperty("netflow").EnumerateObject())
                if (Map(field.Name) is not null) hasFlowExpectation = true;
        if (hasFlowExpectation) Assert.True(compared > 0, $"{expectedFile}: no field compared");
    }

    /// <summary>Compares one expected logstash field with our record; returns 1 when a mapped field was compared.</summary>
    private static DateTime? ExportTime(JsonElement ev) =>
        ev.GetProperty("expected").TryGetProperty("@timestamp", out var t)
            ? DateTime.Parse(t.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal)
            : null;

    private static int Compare(List<FlowRecord?> events, int index, string name, JsonElement expected, string file, DateTime? export)
    {
        var getter = Map(name);
        if (getter is null && index < events.Count && events[index] is { } withExtras && ExtraName(name) is { } extraName)
        {
            // Not a typed property: the element must be in the record's named extra fields with the same value.
            string? ourExtra = Extra(withExtras, extraName);
            Assert.True(ourExtra is not null, $"{file}: event {index} field {name}: no extra field {extraName} in '{withExtras.ExtraFields}'");
            // logstash prints NSEL ACL ids as three dash-separated 32-bit words; we keep the 12 bytes as hex
            string theirExtra = expected.ValueKind != JsonValueKind.String ? expected.GetRawText()
                : extraName.EndsWith("AclId", StringComparison.Ordinal) ? expected.GetString()!.Replace("-", "", StringComparison.Ordinal) : expected.GetString()!;
            // An element we have no type for is kept as hex; logstash's table says it is an integer.
            if (expected.ValueKind == JsonValueKind.Number && ourExtra is { Length: > 0 and <= 16 } && ourExtra.All(char.IsAsciiHexDigit)
                && !extraName.Any(char.IsUpper) && extraName.Contains('.', StringComparison.Ordinal))
                ourExtra = N((long)ulong.Parse(ourExtra, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            Assert.True(theirExtra == ourExtra, $"{file}: event {index} field {name} (extra {extraName}): expected {theirExtra}, got {ourExtra}");
            return 1;
        }
        if (getter is null)
        {
            Assert.True(NotOurs.ContainsKey(name) || NotOurs.ContainsKey(name[..(name.IndexOf('_', StringComparison.Ordinal) + 1)]), $"{file}: event {index}: logstash field {name} is neither compared nor listed in NotOurs");
            return 0;
        }

        Assert.True(index < events.Count, $"{file}: event {index} missing (we have {events.Count})");
        var record = events[index];
        Assert.True(record is not null, $"{file}: event {index} is an options record for us, logstash has flow field {name}");
        // nfdump convention: ICMP type/code live in the destination port; logstash keeps l4_dst_port as sent (0).
        if (name is "l4_dst_port" or "destinationTransportPort" && record!.Protocol is 1 or 58) return 0;
        string ours = getter(record!);
        if (IsTime(name) && record!.ExportVersion == 5)
        {
            Assert.True(export is not null, $"{file}: v5 time without the export time");
            var logstash = DateTime.Parse(expected.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            DateTime ourTime = name == "first_switched" ? record.Start : record.End;
            if (logstash > export)
            {
                // logstash subtracts uptimes as unbounded integers: a First of 0xFFFFFFFF at sysUptime 3381 lands 49.7 days
                // after the export. sysUptime is a 32-bit counter; read modulo 2^32 the flow started 3382 ms before export.
                Assert.True(ourTime <= export && ourTime > export.Value.AddDays(-50), $"{file}: event {index} {name}: {ourTime:o} not before export");
                return 1;
            }
            // logstash's v5 conversion drops the borrow when the offset's milliseconds exceed the export's: 1 s late then.
            if (logstash.Millisecond > export.Value.Millisecond) logstash = logstash.AddSeconds(-1);
            Assert.True(Time(logstash) == Time(ourTime), $"{file}: event {index} field {name}: expected {Time(logstash)}, got {Time(ourTime)}");
            return 1;
        }
        string theirs = Normalise(name, expected, record!);
        Assert.True(theirs == ours, $"{file}: event {index} field {name}: expected {theirs}, got {ours}");
        return 1;
    }

    private static bool IsAddress(string name) => name is "ipv4_src_addr" or "ipv4_dst_addr" or "ipv6_src_addr" or "ipv6_dst_addr"
        or "sourceIPv4Address" or "destinationIPv4Address" or "sourceIPv6Address" or "destinationIPv6Address";

    private static string Normalise(string name, JsonElement v, FlowRecord ours)
    {
        if (IsTime(name))
        {
            DateTime t = v.ValueKind == JsonValueKind.Number
                ? DateTime.UnixEpoch.AddSeconds(v.GetInt64())
                // the spec's Ruby string keeps an uninterpolated "#{nanos}" (its Logstash 8 sub-ms digits): not part of the time
                : DateTime.Parse(v.GetString()!.Replace("#{nanos}", "", StringComparison.Ordinal), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            // logstash-codec-netflow's v9 uptime conversion (seconds = unix - millis/1000; micros = 10^6 - millis%1000*1000)
            // never borrows the second it takes for the fraction, so its v9 first/last_switched are exactly 1 s late.
            // RFC 3954: time = export time - (sysUptime - value) ms, which is what we compute.
            if (ours.ExportVersion == 9 && name is "first_switched" or "last_switched") t = t.AddSeconds(-1);
            return Time(t);
        }
        // logstash splits forwarding_status into status (top 2 bits) and reason (low 6 bits).
        if (name == "forwarding_status" && v.ValueKind == JsonValueKind.Object)
            return N(v.GetProperty("status").GetInt32() << 6 | v.GetProperty("reason").GetInt32());
        // an all-zero MAC is "absent" for FlowRecord (SrcMac is null)
        if (v.ValueKind == JsonValueKind.String && v.GetString() == "00:00:00:00:00:00") return "";
        return v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText();
    }

    private static bool IsTime(string name) => name is "first_switched" or "last_switched" or "flowStartSeconds" or "flowEndSeconds"
        or "flowStartMilliseconds" or "flowEndMilliseconds" or "flowStartMicroseconds" or "flowEndMicroseconds";

    private static string Time(DateTime t) => t.ToString("yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture);

    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static Func<FlowRecord, string>? Map(string name) => name switch
    {
        "ipv4_src_addr" or "sourceIPv4Address" or "ipv6_src_addr" or "sourceIPv6Address" => r => r.SrcAddr?.ToString() ?? "",
        "ipv4_dst_addr" or "destinationIPv4Address" or "ipv6_dst_addr" or "destinationIPv6Address" => r => r.DstAddr?.ToString() ?? "",
        "l4_src_port" or "sourceTransportPort" => r => N(r.SrcPort),
        "l4_dst_port" or "destinationTransportPort" => r => N(r.DstPort),
        "protocol" or "protocolIdentifier" => r => N(r.Protocol),
        "in_pkts" or "packetDeltaCount" or "packetTotalCount" => r => N(r.Packets),
        "in_bytes" or "octetDeltaCount" or "octetTotalCount" => r => N(r.Bytes),
        "out_pkts" => r => N(r.OutPackets),
        "out_bytes" => r => N(r.OutBytes),
        "input_snmp" or "ingressInterface" => r => N(r.InputInterface),
        "output_snmp" or "egressInterface" => r => N(r.OutputInterface),
        "src_tos" or "ipClassOfService" => r => N(r.SrcTos),
        "dst_tos" => r => N(r.DstTos),
        "tcp_flags" or "tcpControlBits" => r => N((byte)r.TcpFlags),
        "src_mask" or "sourceIPv4PrefixLength" or "ipv6_src_mask" => r => N(r.SrcMask),
        "dst_mask" or "destinationIPv4PrefixLength" or "ipv6_dst_mask" => r => N(r.DstMask),
        "src_as" or "bgpSourceAsNumber" => r => N(r.SrcAs),
        "dst_as" or "bgpDestinationAsNumber" => r => N(r.DstAs),
        "ipv4_next_hop" or "ipNextHopIPv4Address" or "ipv6_next_hop" or "ipNextHopIPv6Address" => r => r.NextHop?.ToString() ?? "",
        "bgp_ipv4_next_hop" or "bgpNextHopIPv4Address" => r => r.BgpNextHop?.ToString() ?? "",
        "in_src_mac" or "sourceMacAddress" => r => r.SrcMac ?? "",
        "in_dst_mac" or "destinationMacAddress" => r => r.DstMac ?? "",
        "src_vlan" or "vlanId" => r => N(r.SrcVlan),
        "dst_vlan" => r => N(r.DstVlan),
        "direction" or "flowDirection" => r => N((byte)r.Direction),
        "engine_type" => r => N(r.EngineType),
        "engine_id" => r => N(r.EngineId),
        "sampling_interval" => r => N(r.SamplingInterval),
        "forwarding_status" => r => N(r.ForwardingStatus),
        "flowEndReason" => r => N(r.FlowEndReason),
        "biflowDirection" => r => N(r.BiFlowDirection),
        "ingressVRFID" => r => N(r.IngressVrf),
        "egressVRFID" => r => N(r.EgressVrf),
        "observationPointId" => r => N((long)r.ObservationPointId),
        "xlate_src_addr_ipv4" or "postNATSourceIPv4Address" => r => r.NatSrcAddr?.ToString() ?? "",
        "xlate_dst_addr_ipv4" or "postNATDestinationIPv4Address" => r => r.NatDstAddr?.ToString() ?? "",
        "xlate_src_port" or "postNAPTSourceTransportPort" => r => N(r.NatSrcPort),
        "xlate_dst_port" or "postNAPTDestinationTransportPort" => r => N(r.NatDstPort),
        "fw_event" or "firewallEvent" => r => N(r.FirewallEvent),
        "fw_ext_event" => r => N(r.FirewallExtEvent),
        "event_time_msec" => r => r.EventTime is { } t ? N((long)(t - DateTime.UnixEpoch).TotalMilliseconds) : "",
        "flow_start_msec" => r => N((long)(r.Start - DateTime.UnixEpoch).TotalMilliseconds),
        "flowDurationMilliseconds" => r => N((long)r.Duration.TotalMilliseconds),
        "in_permanent_bytes" => r => N(r.Bytes),
        "rev_flow_delta_bytes" => r => N(r.OutBytes),
        "icmp_type" or "icmpTypeIPv4" => r => N(r.IcmpType ?? 0),
        "icmp_code" or "icmpCodeIPv4" => r => N(r.IcmpCode ?? 0),
        "application_id" => r => r.ApplicationId ?? "",
        "app_id" => r => r.ApplicationName ?? "",
        "sampling_algorithm" => r => N(r.SamplingAlgorithm),
        "first_switched" or "flowStartSeconds" or "flowStartMilliseconds" or "flowStartMicroseconds" => r => Time(r.Start),
        "last_switched" or "flowEndSeconds" or "flowEndMilliseconds" or "flowEndMicroseconds" => r => Time(r.End),
        _ => null,
    };

    /// <summary>logstash's name for an element that lands in our extra fields → our name (IANA, NSEL or vendor); null when not ours.</summary>
    private static string? ExtraName(string name) => name switch
    {
        "conn_id" => "flowId",
        "username" => "username",
        "user_id" => "paloAltoUserId",
        "ingress_acl_id" => "ingressAclId",
        "egress_acl_id" => "egressAclId",
        "ip_protocol_version" => "ipVersion",
        "ip_dscp" => "ipDiffServCodePoint",
        "src_traffic_index" => "srcTrafficIndex",
        "dst_traffic_index" => "dstTrafficIndex",
        "viptelaVPNId" => "viptelaVpnId",
        "flow_sampler_id" => "samplerId",
        _ when name.StartsWith("netscalerUnknown", StringComparison.Ordinal) => "netscaler." + name["netscalerUnknown".Length..],
        "FW_Rule" => "barracudaFwRule",
        "Timestamp" or "LogOp" or "TrafficType" or "ServiceName" or "Reason" or "ReasonText" or "BindIPv4Address" or "BindTransportPort"
            or "ConnIPv4Address" or "ConnTransportPort" or "AuditCounter" => "barracuda" + name,
        _ when Known.Contains(name) => name,
        _ => null,
    };

    /// <summary>Every name our element table gives an element that lands in the extra fields (RFC 5103 reverse ones are "reverse" + a name).</summary>
    private static readonly HashSet<string> Known = FlowForensics.Export.Templates.InformationElementTable.All
        .Where(static e => e.Property is null && e.Ignored is null).Select(static e => e.Name)
        .Concat(FlowForensics.Export.Templates.InformationElementTable.All.Select(static e => "reverse" + char.ToUpperInvariant(e.Name[0]) + e.Name[1..]))
        .ToHashSet(StringComparer.Ordinal);

    private static string? Extra(FlowRecord r, string name)
    {
        if (r.ExtraFields is null) return null;
        foreach (var entry in r.ExtraFields.Split(';'))
        {
            int eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && entry.AsSpan(0, eq).SequenceEqual(name)) return Uri.UnescapeDataString(entry[(eq + 1)..]);
        }
        return null;
    }

    /// <summary>logstash fields that are not the flow's data, each with why we do not compare it.</summary>
    private static readonly Dictionary<string, string> NotOurs = new(StringComparer.Ordinal)
    {
        ["version"] = "the export header's version: FlowRecord.ExportVersion, compared by the corpus tests",
        ["flow_seq_num"] = "the export header's sequence number (not per flow)",
        ["flowset_id"] = "the set id: our template id, not a flow field",
        ["flow_records"] = "the v5 header's record count",
        ["flowStartSysUpTime"] = "uptime in ms: converted into Start, compared as first_switched",
        ["flowEndSysUpTime"] = "uptime in ms: converted into End",
        ["systemInitTimeMilliseconds"] = "the exporter's boot time: converted into Start/End",
        ["icmpTypeCodeIPv4"] = "in DstPort (type × 256 + code), as nfdump stores it",
        ["streamcore_"] = "Streamcore's v9 field types are in no public registry we have: kept as ie.<id> extra fields, unnamed",
        ["nprobe_proto"] = "nProbe's v9 L7 protocol field type is not in our table: kept as an ie.<id> extra field, unnamed",
    };
}
