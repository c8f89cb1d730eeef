using System.Buffers.Binary;
using FlowForensics.Export;
using FlowForensics.Flows;
using Xunit;

namespace FlowForensics.Tests.Export;

/// <summary>Malformed input, limits, held data, exporter isolation, and the v5 header arithmetic.</summary>
public sealed class ExportDecoderRobustnessTests
{
    private static readonly FlowAddress ExporterA = FlowAddress.FromIPv4(0xC0000201);
    private static readonly FlowAddress ExporterB = FlowAddress.FromIPv4(0xC0000202);
    private static readonly DateTime Received = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>All corpus datagrams, in capture order, grouped per capture (templates before data).</summary>
    private static List<List<byte[]>> Corpus()
    {
        var all = new List<List<byte[]>>();
        foreach (var capture in ExportCorpus.Captures())
        {
            var list = new List<byte[]>();
            foreach (var d in ExportCorpus.ReadUdp(capture, out _)) list.Add(d.Payload);
            all.Add(list);
        }
        foreach (var f in SharedData.Files(ExportCorpus.Folder + "/logstash-dat", "*.dat")) all.Add([File.ReadAllBytes(f)]);
        return all;
    }

    private static string Fingerprint(List<FlowRecord> records)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var r in records)
            sb.Append(r).Append('|').Append(r.InputInterface).Append('|').Append(r.OutputInterface).Append('|').Append(r.SamplingInterval)
              .Append('|').Append(r.End.Ticks).Append('\n');
        return sb.ToString();
    }

    [Fact]
    public void MutatedDatagramsNeverThrowAndAlwaysGiveAReason()
    {
        var rng = new Random(20261123);
        var decoder = new ExportDecoder();
        var records = new List<FlowRecord>();
        long mutated = 0;
        foreach (var group in Corpus())
        {
            foreach (var original in group)
            {
                for (int round = 0; round < 12; round++)
                {
                    byte[] copy;
                    switch (round % 3)
                    {
                        case 0: // truncate
                            copy = original.AsSpan(0, rng.Next(original.Length + 1)).ToArray();
                            break;
                        case 1: // flip bits
                            copy = (byte[])original.Clone();
                            for (int k = 0, n = 1 + rng.Next(8); k < n && copy.Length > 0; k++) copy[rng.Next(copy.Length)] ^= (byte)(1 << rng.Next(8));
                            break;
                        default: // overwrite a header-ish length/count/id with a random 16-bit value
                            copy = (byte[])original.Clone();
                            if (copy.Length >= 2)
                            {
                                int at = rng.Next(Math.Min(copy.Length - 1, 64));
                                BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(at), (ushort)rng.Next(65536));
                            }
                            break;
                    }
                    records.Clear();
                    var status = decoder.Decode(copy, ExporterB, Received, records); // must not throw
                    Assert.True(Enum.IsDefined(status));
                    foreach (var r in records) Assert.Equal(ExporterB, r.ExporterAddress);
                    mutated++;
                }
            }
        }
        Assert.Equal(mutated, decoder.Counters.Datagrams);
        // Reasons are counted, and the mutations produced more than one kind of fault.
        Assert.True(decoder.Counters.Malformed > 0);
        int reasons = 0;
        foreach (ExportDecodeStatus s in Enum.GetValues<ExportDecodeStatus>())
            if (s != ExportDecodeStatus.Decoded && decoder.Counters[s] > 0) reasons++;
        Assert.True(reasons >= 4, $"only {reasons} distinct reasons");
        // Bounds held through the storm.
        Assert.True(decoder.PendingSetCount <= decoder.ExporterCount * ExportDecoderLimits.DefaultMaxPendingSetsPerExporter);
        Assert.True(decoder.TemplateCount <= decoder.ExporterCount * ExportDecoderLimits.DefaultMaxTemplatesPerExporter);
    }

    [Fact]
    public void GarbageFromOneExporterLeavesAnotherUntouched()
    {
        // Exporter A's clean decode, alone and with exporter B's mutated traffic (same source ids / domains) interleaved.
        var rng = new Random(7);
        foreach (var group in Corpus())
        {
            var alone = new ExportDecoder();
            var aloneRecords = new List<FlowRecord>();
            foreach (var d in group) alone.Decode(d, ExporterA, Received, aloneRecords);

            var mixed = new ExportDecoder();
            var mixedRecords = new List<FlowRecord>();
            var noise = new List<FlowRecord>();
            foreach (var d in group)
            {
                var bad = (byte[])d.Clone();
                for (int k = 0; k < 4 && bad.Length > 0; k++) bad[rng.Next(bad.Length)] ^= (byte)(1 << rng.Next(8));
                mixed.Decode(bad, ExporterB, Received, noise);
                mixed.Decode(d, ExporterA, Received, mixedRecords);
            }
            Assert.Equal(Fingerprint(aloneRecords), Fingerprint(mixedRecords));
        }
    }

    [Fact]
    public void DataBeforeTemplateIsHeldAndDecodedWhenTheTemplateArrives()
    {
        int compared = 0;
        foreach (var group in Corpus())
        {
            if (group.Count < 2) continue;
            var inOrder = new ExportDecoder();
            var expected = new List<FlowRecord>();
            foreach (var d in group) inOrder.Decode(d, ExporterA, Received, expected);
            if (expected.Count == 0 || inOrder.PendingSetCount != 0) continue;

            // Reversed: every data set comes before its template.
            var reversed = new ExportDecoder();
            var got = new List<FlowRecord>();
            for (int i = group.Count - 1; i >= 0; i--) reversed.Decode(group[i], ExporterA, Received, got);
            if (reversed.Counters.SetsHeld == 0) continue; // v5/sFlow: no templates
            Assert.Equal(0, reversed.PendingSetCount);
            Assert.Equal(expected.Count, got.Count);
            Assert.Equal(reversed.Counters.RecordsFromHeldSets + CountNotHeld(reversed), got.Count);
            compared++;
        }
        Assert.True(compared >= 3, $"only {compared} captures exercised held data");

        static long CountNotHeld(ExportDecoder d) => d.Counters.Records - d.Counters.RecordsFromHeldSets;
    }

    [Fact]
    public void HeldDataIsBounded()
    {
        var limits = new ExportDecoderLimits { MaxPendingSetsPerExporter = 2 };
        var decoder = new ExportDecoder(limits);
        var records = new List<FlowRecord>();
        var statuses = new List<ExportDecodeStatus>();
        for (int i = 0; i < 5; i++) statuses.Add(decoder.Decode(V9DataOnly((ushort)(300 + i)), ExporterA, Received, records));
        Assert.Equal(2, decoder.PendingSetCount);
        Assert.Equal(3, decoder.Counters.SetsDroppedByLimit);
        Assert.Equal(3, decoder.Counters[ExportDecodeStatus.LimitReached]);
        Assert.Equal([ExportDecodeStatus.Decoded, ExportDecodeStatus.Decoded, ExportDecodeStatus.LimitReached, ExportDecodeStatus.LimitReached, ExportDecodeStatus.LimitReached], statuses);

        var bytes = new ExportDecoder(new ExportDecoderLimits { MaxPendingBytesPerExporter = 10 });
        Assert.Equal(ExportDecodeStatus.LimitReached, bytes.Decode(V9DataOnly(300), ExporterA, Received, records));
        Assert.Equal(0, bytes.PendingSetCount);
    }

    [Fact]
    public void TemplateAndFieldLimitsAreCountedPerExporter()
    {
        var decoder = new ExportDecoder(new ExportDecoderLimits { MaxTemplatesPerExporter = 3, MaxFieldsPerTemplate = 4 });
        var records = new List<FlowRecord>();
        for (int i = 0; i < 5; i++)
            decoder.Decode(V9Template((ushort)(256 + i), fieldCount: 2), ExporterA, Received, records);
        Assert.Equal(3, decoder.TemplateCount);
        Assert.Equal(2, decoder.Counters.TemplatesDroppedByLimit);
        // Another exporter has its own allowance.
        Assert.Equal(ExportDecodeStatus.Decoded, decoder.Decode(V9Template(256, fieldCount: 2), ExporterB, Received, records));
        Assert.Equal(4, decoder.TemplateCount);
        // A template with more fields than allowed is refused.
        Assert.Equal(ExportDecodeStatus.LimitReached, decoder.Decode(V9Template(400, fieldCount: 5), ExporterB, Received, records));
        Assert.Equal(4, decoder.TemplateCount);

        var few = new ExportDecoder(new ExportDecoderLimits { MaxExporters = 1 });
        Assert.Equal(ExportDecodeStatus.Decoded, few.Decode(V9Template(256, 2), ExporterA, Received, records));
        Assert.Equal(ExportDecodeStatus.LimitReached, few.Decode(V9Template(256, 2), ExporterB, Received, records));
        Assert.Equal(1, few.Counters.ExportersDroppedByLimit);
    }

    [Fact]
    public void One_address_cycling_through_domains_keeps_only_its_share_of_exporter_states()
    {
        // Issue 18: the exporter key includes the observation domain, so one source address sending templates under
        // ever new source ids could take all 4,096 exporter slots (and 512 templates each) from every other exporter.
        var decoder = new ExportDecoder(new ExportDecoderLimits { MaxStatesPerAddress = 8 });
        var records = new List<FlowRecord>();
        for (uint domain = 0; domain < 100; domain++)
        {
            byte[] datagram = V9Template(256, fieldCount: 2);
            BinaryPrimitives.WriteUInt32BigEndian(datagram.AsSpan(16), domain);   // the v9 header's source id
            var status = decoder.Decode(datagram, ExporterA, Received, records);
            Assert.Equal(domain < 8 ? ExportDecodeStatus.Decoded : ExportDecodeStatus.LimitReached, status);
        }
        Assert.Equal(8, decoder.ExporterCount);
        Assert.Equal(8, decoder.TemplateCount);
        Assert.Equal(92, decoder.Counters.StatesDroppedByAddressLimit);
        Assert.Equal(0, decoder.Counters.ExportersDroppedByLimit);
        // the states it has keep working, and another address has its own allowance
        Assert.Equal(ExportDecodeStatus.Decoded, decoder.Decode(V9Template(257, fieldCount: 2), ExporterA, Received, records));
        Assert.Equal(ExportDecodeStatus.Decoded, decoder.Decode(V9Template(256, fieldCount: 2), ExporterB, Received, records));
        Assert.Equal(9, decoder.ExporterCount);
        // a template file that would give one address more states than allowed is refused whole
        using var saved = new MemoryStream();
        decoder.SaveTemplates(saved);
        var strict = new ExportDecoder(new ExportDecoderLimits { MaxStatesPerAddress = 4 });
        saved.Position = 0;
        var e = Assert.Throws<FlowForensics.Wire.FlowDataException>(() => strict.LoadTemplates(saved, "templates.bin"));
        Assert.Contains("exporter states for", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, strict.ExporterCount);
        Assert.Equal(ExportDecoderLimits.DefaultMaxStatesPerAddress, new ExportDecoderLimits().MaxStatesPerAddress);
    }

    [Fact]
    public void IpfixTemplateWithdrawalRemovesTemplates()
    {
        var decoder = new ExportDecoder();
        var records = new List<FlowRecord>();
        Assert.Equal(ExportDecodeStatus.Decoded, decoder.Decode(Ipfix(Set(2, Tpl(256, 8, 4), Tpl(257, 8, 4))), ExporterA, Received, records));
        Assert.Equal(2, decoder.TemplateCount);
        decoder.Decode(Ipfix(Set(2, Withdraw(256))), ExporterA, Received, records);
        Assert.Equal(1, decoder.TemplateCount);
        decoder.Decode(Ipfix(Set(256, [10, 0, 0, 1])), ExporterA, Received, records);
        Assert.Empty(records); // held, not decoded with a withdrawn template
        Assert.Equal(1, decoder.PendingSetCount);
        decoder.Decode(Ipfix(Set(2, Withdraw(2))), ExporterA, Received, records); // all templates
        Assert.Equal(0, decoder.TemplateCount);
        Assert.Equal(2, decoder.Counters.TemplatesWithdrawn);
    }

    [Fact]
    public void IpfixVariableLengthAndEnterpriseFieldsAreSkippedCorrectly()
    {
        // Template: enterprise field (var length), sourceIPv4Address, a var-length IANA field (applicationName 96) in the 3-byte form.
        byte[] tpl = [1, 0, 0, 3, 0x80, 0x01, 0xFF, 0xFF, 0, 0, 0x12, 0x34, 0, 8, 0, 4, 0, 96, 0xFF, 0xFF];
        var body = new List<byte> { 3, 0xAA, 0xBB, 0xCC, 10, 1, 2, 3, 255, 0, 2, (byte)'h', (byte)'i' };
        var decoder = new ExportDecoder();
        var records = new List<FlowRecord>();
        Assert.Equal(ExportDecodeStatus.Decoded, decoder.Decode(Ipfix(Set(2, tpl), Set(256, [.. body, .. body])), ExporterA, Received, records));
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Equal("10.1.2.3", r.SrcAddr!.ToString()));
        // The reduced-size counters: octetDeltaCount in 2 bytes.
        decoder.Decode(Ipfix(Set(2, Tpl(258, 1, 2)), Set(258, [0x12, 0x34])), ExporterA, Received, records);
        Assert.Equal(0x1234, records[^1].Bytes);
    }

    [Fact]
    public void NetFlowV5HeaderGivesAbsoluteTimesAndSampling()
    {
        var d = new byte[24 + 48];
        BinaryPrimitives.WriteUInt16BigEndian(d, 5);
        BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(2), 1);
        BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(4), 100_000);          // sysUptime ms
        BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(8), 1_700_000_000);    // unix secs
        BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(12), 250_000_000);     // nsecs
        d[20] = 1; d[21] = 7;
        BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(22), 0x4000 | 512);   // algorithm 1, 1-in-512
        var rec = d.AsSpan(24);
        rec[0] = 10; rec[3] = 1; rec[4] = 10; rec[7] = 2;
        BinaryPrimitives.WriteUInt32BigEndian(rec[16..], 3);
        BinaryPrimitives.WriteUInt32BigEndian(rec[20..], 180);
        BinaryPrimitives.WriteUInt32BigEndian(rec[24..], 90_000);  // first: 10 s before export
        BinaryPrimitives.WriteUInt32BigEndian(rec[28..], 99_500);  // last: 0.5 s before export
        rec[38] = 6;
        var records = new List<FlowRecord>();
        Assert.Equal(ExportDecodeStatus.Decoded, new ExportDecoder().Decode(d, ExporterA, Received, records));
        var r = Assert.Single(records);
        var export = DateTime.UnixEpoch.AddSeconds(1_700_000_000).AddMilliseconds(250);
        Assert.Equal(export.AddSeconds(-10), r.Start);
        Assert.Equal(export.AddMilliseconds(-500), r.End);
        Assert.Equal(512u, r.SamplingInterval);
        Assert.Equal(1, r.EngineType);
        Assert.Equal(7, r.EngineId);
        Assert.Equal("10.0.0.1", r.SrcAddr!.ToString());
        Assert.Equal(3, r.Packets);
        Assert.Equal(Received, r.Received);

        // Short by one byte: the record is dropped with a reason.
        records.Clear();
        Assert.Equal(ExportDecodeStatus.Truncated, new ExportDecoder().Decode(d.AsSpan(0, d.Length - 1), ExporterA, Received, records));
        Assert.Empty(records);
    }

    [Fact]
    public void VersionRecognisedByTheVersionField()
    {
        var decoder = new ExportDecoder();
        var records = new List<FlowRecord>();
        Assert.Equal(ExportDecodeStatus.UnsupportedVersion, decoder.Decode([0, 7, 0, 0], ExporterA, Received, records));
        Assert.Equal(ExportDecodeStatus.TooShort, decoder.Decode([0], ExporterA, Received, records));
        Assert.Equal(ExportDecodeStatus.TooShort, decoder.Decode([0, 9, 0, 0], ExporterA, Received, records));
        Assert.Equal(ExportDecodeStatus.TooShort, decoder.Decode([0, 10, 0, 0], ExporterA, Received, records));
        Assert.Equal(ExportDecodeStatus.UnsupportedVersion, decoder.Decode([0, 0, 0, 4], ExporterA, Received, records));
        Assert.Equal(5, decoder.Counters.Malformed);
    }

    // ---- builders -------------------------------------------------------------------------------------

    private static byte[] V9(params byte[][] sets)
    {
        var d = new List<byte>(new byte[20]);
        d[1] = 9;
        foreach (var s in sets) d.AddRange(s);
        return d.ToArray();
    }

    private static byte[] Set(ushort id, params byte[][] parts)
    {
        int len = 4;
        foreach (var p in parts) len += p.Length;
        var s = new byte[len];
        BinaryPrimitives.WriteUInt16BigEndian(s, id);
        BinaryPrimitives.WriteUInt16BigEndian(s.AsSpan(2), (ushort)len);
        int o = 4;
        foreach (var p in parts) { p.CopyTo(s, o); o += p.Length; }
        return s;
    }

    private static byte[] V9Template(ushort id, int fieldCount)
    {
        var t = new byte[4 + 4 * fieldCount];
        BinaryPrimitives.WriteUInt16BigEndian(t, id);
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(2), (ushort)fieldCount);
        for (int i = 0; i < fieldCount; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(4 + 4 * i), (ushort)(8 + i));
            BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(6 + 4 * i), 4);
        }
        return V9(Set(0, t));
    }

    private static byte[] V9DataOnly(ushort templateId) => V9(Set(templateId, new byte[16]));

    private static byte[] Ipfix(params byte[][] sets)
    {
        int len = 16;
        foreach (var s in sets) len += s.Length;
        var d = new byte[len];
        BinaryPrimitives.WriteUInt16BigEndian(d, 10);
        BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(2), (ushort)len);
        BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(4), 1_700_000_000);
        int o = 16;
        foreach (var s in sets) { s.CopyTo(d, o); o += s.Length; }
        return d;
    }

    private static byte[] Tpl(ushort id, ushort ie, ushort length)
    {
        var t = new byte[8];
        BinaryPrimitives.WriteUInt16BigEndian(t, id);
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(2), 1);
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(4), ie);
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(6), length);
        return t;
    }

    private static byte[] Withdraw(ushort id)
    {
        var t = new byte[4];
        BinaryPrimitives.WriteUInt16BigEndian(t, id);
        return t;
    }
}
