using System.Globalization;
using System.Management.Automation;
using System.Security.Cryptography;
using FlowForensics.Storage;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Tests.Hosting;
using Xunit;
using static FlowForensics.Tests.Cmdlets.CmdletKit;

namespace FlowForensics.Tests.Cmdlets;

/// <summary>Get-FlowFileInfo against nfdump -I (stat record) and nfdump -v (header), and SHA-256 against .NET's.</summary>
public sealed class GetFlowFileInfoCommandTests : IDisposable
{
    private const string FullId = "FlowForensics.PowerShell.Commands.GetFlowFileInfoCommand";
    private readonly string _dir = Directory.CreateTempSubdirectory("ff-fileinfo-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static List<FlowFileInfo> Infos(PsSession s, string script, params (string Name, object? Value)[] variables)
    {
        foreach (var (name, value) in variables) s.SetVariable(name, value);
        return s.Invoke(script).Select(o => (FlowFileInfo)o.BaseObject).ToList();
    }

    public static TheoryData<string> NfdumpReadable()
    {
        var data = new TheoryData<string>();
        foreach (var f in SharedData.Files(Path.Combine("formats", "samples"), "*.nfcapd", SearchOption.AllDirectories))
            if (!f.Contains("zstd", StringComparison.Ordinal)) data.Add(Path.GetRelativePath(SharedData.Root, f));
        foreach (var f in SharedData.Files(Path.Combine("data", "nfcapd"), "*", SearchOption.AllDirectories))
            data.Add(Path.GetRelativePath(SharedData.Root, f));
        return data;
    }

    [Theory]
    [MemberData(nameof(NfdumpReadable))]
    public void ReportsWhatNfdumpIAndVReport(string relative)
    {
        string file = SharedData.Path(relative);
        using var s = PsSession.WithModule();
        var info = Assert.Single(Infos(s, "Get-FlowFileInfo -LiteralPath $f", ("f", file)));
        Assert.Empty(s.Errors);

        var i = NfdumpInfo(file);
        Assert.Equal(i["Ident"], info.Ident.Length == 0 ? "none" : info.Ident);
        Assert.Equal(U(i["Flows"]), info.Flows);
        Assert.Equal(U(i["Packets"]), info.Packets);
        Assert.Equal(U(i["Bytes"]), info.Bytes);
        Assert.Equal((U(i["Flows_tcp"]), U(i["Flows_udp"]), U(i["Flows_icmp"]), U(i["Flows_other"])), (info.FlowsTcp, info.FlowsUdp, info.FlowsIcmp, info.FlowsOther));
        Assert.Equal((U(i["Packets_tcp"]), U(i["Packets_udp"]), U(i["Packets_icmp"]), U(i["Packets_other"])), (info.PacketsTcp, info.PacketsUdp, info.PacketsIcmp, info.PacketsOther));
        Assert.Equal((U(i["Bytes_tcp"]), U(i["Bytes_udp"]), U(i["Bytes_icmp"]), U(i["Bytes_other"])), (info.BytesTcp, info.BytesUdp, info.BytesIcmp, info.BytesOther));
        Assert.Equal(U(i["Sequence failures"]), info.SequenceFailures);
        ulong firstMs = U(i["First"]) * 1000 + U(i["msec_first"]), lastMs = U(i["Last"]) * 1000 + U(i["msec_last"]);
        Assert.Equal(firstMs, info.FirstSeen is { } f ? (ulong)(f - DateTime.UnixEpoch).TotalMilliseconds : 0UL);
        Assert.Equal(lastMs, info.LastSeen is { } l ? (ulong)(l - DateTime.UnixEpoch).TotalMilliseconds : 0UL);

        var v = NfdumpInfo(file, "-v");
        string[] version = v["Version"].Split(" - ");
        Assert.Equal(int.Parse(version[0], CultureInfo.InvariantCulture), info.Layout);
        Assert.Equal(version[1].Trim(), info.Compression switch
        {
            NfcapdCompression.None => "not compressed",
            NfcapdCompression.Lzo => "lzo compressed",
            NfcapdCompression.Bzip2 => "bz2 compressed",
            NfcapdCompression.Lz4 => "lz4 compressed",
            _ => info.Compression.ToString(),
        });
        Assert.Equal(U(v.TryGetValue("Data blks", out var blocks) ? blocks : v["Blocks"]), (ulong)info.BlockCount);
        if (info.Layout == 2)
        {
            Assert.Equal(v["Created"], info.Created?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
            Assert.Equal(v["nfdump"], info.NfdumpVersionWord.ToString("x", CultureInfo.InvariantCulture));
            Assert.Equal(VersionWord(info.NfdumpVersion), (info.NfdumpVersionWord & 0x0FFF_FFFF).ToString("x", CultureInfo.InvariantCulture));
        }
        else
        {
            Assert.Null(info.Created);
        }

        Assert.Equal(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file))), info.Sha256);
        Assert.Equal(new FileInfo(file).Length, info.Length);
        Assert.Equal(file, info.Path);
        Assert.Equal(Path.GetFileName(file), info.Name);
    }

    [Fact]
    public void ReadsA178ZstdFileThatDebiansNfdumpCannot()
    {
        string file = SharedData.Path("formats", "samples", "latest-1.7.8", "nfcapd-1.7.8-softflowd-ipfix-zstd.nfcapd");
        using var s = PsSession.WithModule();
        var info = Assert.Single(Infos(s, "Get-FlowFileInfo $f", ("f", file)));
        Assert.Equal((2, NfcapdCompression.Zstd, "1.7.8", "nfcapd"), (info.Layout, info.Compression, info.NfdumpVersion, info.Creator));
        Assert.Equal((ulong)Run(s, "Get-FlowRecord $f", ("f", file)).Count, info.Flows);
        Assert.True(info.Flows > 0);
    }

    [Fact]
    public void TotalsOfAFileWeWroteAgreeWithNfdumpAndWithItsFlows()
    {
        var flows = RandomFlows(5000, 21, T0, TimeSpan.FromMinutes(30));
        string file = Write(Path.Combine(_dir, "nfcapd.202401011200"), flows, NfcapdCompression.Lz4, "case-4711");
        using var s = PsSession.WithModule();
        var info = Assert.Single(Infos(s, "Get-FlowFileInfo $f", ("f", file)));
        Assert.Equal("case-4711", info.Ident);
        Assert.Equal((ulong)flows.Count, info.Flows);
        Assert.Equal((ulong)flows.Sum(f => f.Bytes), info.Bytes);
        Assert.Equal((ulong)flows.Where(f => f.Protocol == 6).Sum(f => f.Packets), info.PacketsTcp);
        Assert.Equal(flows.Min(f => f.Start), info.FirstSeen);
        Assert.Equal(flows.Max(f => f.End), info.LastSeen);
        Assert.Equal(NfdumpInfo(file)["Bytes_udp"], info.BytesUdp.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file))), info.Sha256);
    }

    [Fact]
    public void AFolderGivesOneObjectPerFlowFileInTimeOrderAndRecursesOnRequest()
    {
        string sub = Path.Combine(_dir, "older");
        Directory.CreateDirectory(sub);
        Write(Path.Combine(_dir, "b.nfcapd"), RandomFlows(10, 1, T0.AddHours(2), TimeSpan.FromMinutes(5)));
        Write(Path.Combine(_dir, "a.nfcapd"), RandomFlows(10, 2, T0.AddHours(3), TimeSpan.FromMinutes(5)));
        Write(Path.Combine(sub, "c.nfcapd"), RandomFlows(10, 3, T0, TimeSpan.FromMinutes(5)));
        File.WriteAllText(Path.Combine(_dir, "README.txt"), "case notes");
        using var s = PsSession.WithModule();
        var flat = Infos(s, "Get-FlowFileInfo -Path $d -Verbose", ("d", _dir));
        Assert.Empty(s.Errors);
        Assert.Equal(["b.nfcapd", "a.nfcapd"], flat.Select(i => i.Name));
        Assert.Contains(s.Verbose, v => v.Message.Contains("README.txt", StringComparison.Ordinal) && v.Message.Contains("not an nfcapd file", StringComparison.Ordinal));
        var deep = Infos(s, "[IO.DirectoryInfo]::new($d) | Get-FlowFileInfo -Recurse", ("d", _dir));
        Assert.Equal(["c.nfcapd", "b.nfcapd", "a.nfcapd"], deep.Select(i => i.Name));
        var piped = Infos(s, "[IO.FileInfo]::new([IO.Path]::Combine($d, 'a.nfcapd')) | Get-FlowFileInfo", ("d", _dir));
        Assert.Equal("a.nfcapd", Assert.Single(piped).Name);
    }

    [Fact]
    public void AFileThatIsNotNfcapdIsANonTerminatingError()
    {
        string text = Path.Combine(_dir, "notes.nfcapd");
        File.WriteAllText(text, "not a flow file");
        string good = SharedData.Path("formats", "samples", "nfpcapd-ipv4v6-bz2.nfcapd");
        using var s = PsSession.WithModule();
        var infos = Infos(s, "Get-FlowFileInfo -LiteralPath $a, $b", ("a", text), ("b", good));
        Assert.Equal(14UL, Assert.Single(infos).Flows);
        ErrorRecord e = Assert.Single(s.Errors);
        Assert.Equal($"FlowFileUnsupported,{FullId}", e.FullyQualifiedErrorId);
        Assert.Equal(text, e.TargetObject);
        Assert.Contains("not an nfcapd file", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ATruncatedHeaderIsACorruptFile()
    {
        byte[] bytes = File.ReadAllBytes(SharedData.Path("formats", "samples", "nfpcapd-ipv4v6-none.nfcapd"));
        string cut = Path.Combine(_dir, "cut.nfcapd");
        File.WriteAllBytes(cut, bytes[..20]);
        using var s = PsSession.WithModule();
        Assert.Empty(Infos(s, "Get-FlowFileInfo $f", ("f", cut)));
        ErrorRecord e = Assert.Single(s.Errors);
        Assert.Equal($"FlowFileCorrupt,{FullId}", e.FullyQualifiedErrorId);
        Assert.Contains("header truncated", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheTableViewShowsOneLinePerFile()
    {
        using var s = PsSession.WithModule(width: 200);
        s.SetVariable("d", SharedData.Path("formats", "samples"));
        string text = s.Render("Get-FlowFileInfo -Path ([IO.Path]::Combine($d, 'nfpcapd-ipv4v6-*.nfcapd'))");
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^Name\s+Layout\s+Compression\s+First seen\s+Last seen\s+Flows\s+Packets\s+Bytes$", lines[0].TrimEnd());
        Assert.Matches(@"^nfpcapd-ipv4v6-bz2\.nfcapd\s+2 Bzip2\s+2024-01-01 12:00:00 2024-01-01 12:00:01\s+14\s+24\s+1268$", lines[2].TrimEnd());
        Assert.All(lines, l => Assert.True(l.TrimEnd().Length <= 120, $"wider than 120 columns: '{l}'"));
        Assert.Equal(6, lines.Length);
    }

    private static ulong U(string text) => ulong.Parse(text.Trim(), CultureInfo.InvariantCulture);

    /// <summary>nfdump -v prints the version word in hex without leading zeros (1070100 for 1.7.1).</summary>
    private static string VersionWord(string version)
    {
        string[] p = version.Split('.');
        return ((int.Parse(p[0], CultureInfo.InvariantCulture) << 24) | (int.Parse(p[1], CultureInfo.InvariantCulture) << 16) | (int.Parse(p[2], CultureInfo.InvariantCulture) << 8)).ToString("x", CultureInfo.InvariantCulture);
    }
}
