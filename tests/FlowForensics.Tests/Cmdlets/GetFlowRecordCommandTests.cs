using System.Buffers.Binary;
using System.Diagnostics;
using System.Management.Automation;
using FlowForensics.Flows;
using FlowForensics.Storage;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Tests.Hosting;
using Xunit;
using static FlowForensics.Tests.Cmdlets.CmdletKit;

namespace FlowForensics.Tests.Cmdlets;

/// <summary>Get-FlowRecord run in a hosted runspace against nfdump's reading of the same files.</summary>
public sealed class GetFlowRecordCommandTests : IDisposable
{
    private const string FullId = "FlowForensics.PowerShell.Commands.GetFlowRecordCommand";
    private readonly string _dir = Directory.CreateTempSubdirectory("ff-getflow-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Dir(string name)
    {
        string d = Path.Combine(_dir, name);
        Directory.CreateDirectory(d);
        return d;
    }

    public static TheoryData<string> ReadableByNfdump()
    {
        var data = new TheoryData<string>();
        foreach (var f in SharedData.Files(Path.Combine("formats", "samples"), "*.nfcapd", SearchOption.AllDirectories))
        {
            if (f.Contains("zstd", StringComparison.Ordinal)) continue; // Debian's 1.7.1 cannot read ZSTD; covered below from its stored csv
            data.Add(Path.GetRelativePath(SharedData.Root, f));
        }
        foreach (var f in SharedData.Files(Path.Combine("data", "nfcapd"), "*", SearchOption.AllDirectories))
        {
            if (f.EndsWith("corrupt", StringComparison.Ordinal)) continue; // errors: see CorruptFile* tests
            data.Add(Path.GetRelativePath(SharedData.Root, f));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ReadableByNfdump))]
    public void ReadsEveryFileToTheFlowsNfdumpPrints(string relative)
    {
        string file = SharedData.Path(relative);
        using var s = PsSession.WithModule();
        var ours = Run(s, "Get-FlowRecord -LiteralPath $f", ("f", file));
        Assert.Empty(s.Errors);
        var expected = NfdumpKeys(["-r", file]);
        Assert.Equal(expected.Count, ours.Count);
        Assert.Equal(expected, Keys(ours));
        Assert.All(ours, f => Assert.Equal(DateTimeKind.Utc, f.Start.Kind));
    }

    [Fact]
    public void ReadsAZstdFileToTheFlowsOfItsStoredNfdumpDecoding()
    {
        string file = SharedData.Path("formats", "samples", "latest-1.7.8", "nfcapd-1.7.8-softflowd-ipfix-zstd.nfcapd");
        using var s = PsSession.WithModule();
        var ours = Run(s, "Get-FlowRecord -Path $f", ("f", file));
        var expected = KeysOfCsv(File.ReadAllText(file + ".csv"));
        Assert.NotEmpty(expected);
        Assert.Equal(expected, Keys(ours));
    }

    [Fact]
    public void ReadsFilesWrittenByOurWriterPerCompressionAsNfdumpDoes()
    {
        var flows = RandomFlows(3000, 11, T0, TimeSpan.FromMinutes(20));
        foreach (var c in new[] { NfcapdCompression.None, NfcapdCompression.Lz4, NfcapdCompression.Zstd })
        {
            string file = Write(Path.Combine(_dir, $"ours-{c}.nfcapd"), flows, c);
            using var s = PsSession.WithModule();
            var ours = Run(s, "Get-FlowRecord $f", ("f", file));
            Assert.Equal(Keys(flows), Keys(ours));
            if (c != NfcapdCompression.Zstd) Assert.Equal(NfdumpKeys(["-r", file]), Keys(ours));
        }
    }

    [Fact]
    public void FilesAreReadInTimeOrderNotNameOrder()
    {
        string dir = Dir("order");
        // names sort z < a < m in reverse of their times
        Write(Path.Combine(dir, "a.flows"), RandomFlows(50, 1, T0.AddHours(2), TimeSpan.FromMinutes(30)));
        Write(Path.Combine(dir, "m.flows"), RandomFlows(50, 2, T0.AddHours(1), TimeSpan.FromMinutes(30)));
        Write(Path.Combine(dir, "z.flows"), RandomFlows(50, 3, T0, TimeSpan.FromMinutes(30)));
        using var s = PsSession.WithModule();
        var ours = Run(s, "Get-FlowRecord -Path $d -Verbose", ("d", dir));
        Assert.Equal(150, ours.Count);
        int[] hourOf = ours.Select(f => (int)(f.Start - T0).TotalHours).ToArray();
        Assert.Equal(hourOf.Order().ToArray(), hourOf);
        var reading = s.Verbose.Select(v => v.Message).Where(m => m.StartsWith("Reading ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["z.flows", "m.flows", "a.flows"], reading.Select(m => Path.GetFileName(m["Reading ".Length..])));
    }

    public static TheoryData<string, string, string> WindowForms() => new()
    {
        { "ISO with Z", "'2024-01-01T12:17:00Z'", "'2024-01-01T12:41:00Z'" },
        { "ISO without a zone is UTC", "'2024-01-01 12:17'", "'2024-01-01 12:41:00'" },
        { "ISO with offsets", "'2024-01-01T14:17:00+02:00'", "'2024-01-01T07:41:00-05:00'" },
        { "nfdump's -t form", "'2024/01/01.12:17:00'", "'2024/01/01.12:41'" },
        { "a PowerShell [datetime] cast (Unspecified) is UTC", "([datetime]'2024-01-01 12:17')", "([datetime]'2024-01-01 12:41')" },
        { "DateTime Utc", "$startUtc", "$endUtc" },
        { "DateTime Unspecified is UTC", "$startUnspecified", "$endUnspecified" },
        { "DateTime Local is converted", "$startLocal", "$endLocal" },
        { "DateTimeOffset", "$startOffset", "$endOffset" },
    };

    [Theory]
    [MemberData(nameof(WindowForms))]
    public void StartAndEndSelectLikeNfdumpT(string form, string start, string end)
    {
        string dir = Dir("window");
        var flows = RandomFlows(3000, 3, T0, TimeSpan.FromHours(1));
        WriteRotated(dir, flows, TimeSpan.FromMinutes(10));
        var from = T0.AddMinutes(17);
        var to = T0.AddMinutes(41);
        var expected = NfdumpKeys(["-R", dir], "-t", $"{NfdumpTime(from)}-{NfdumpTime(to)}");
        Assert.InRange(expected.Count, 100, 2900);

        using var s = PsSession.WithModule();
        s.SetVariable("startUtc", from);
        s.SetVariable("endUtc", to);
        s.SetVariable("startUnspecified", DateTime.SpecifyKind(from, DateTimeKind.Unspecified));
        s.SetVariable("endUnspecified", DateTime.SpecifyKind(to, DateTimeKind.Unspecified));
        s.SetVariable("startLocal", from.ToLocalTime());
        s.SetVariable("endLocal", to.ToLocalTime());
        s.SetVariable("startOffset", new DateTimeOffset(from).ToOffset(TimeSpan.FromHours(2)));
        s.SetVariable("endOffset", new DateTimeOffset(to).ToOffset(TimeSpan.FromHours(-5)));
        var ours = Run(s, $"Get-FlowRecord -Path $d -Start {start} -End {end}", ("d", dir));
        Assert.True(s.Errors.Count == 0, form + ": " + string.Join("; ", s.Errors));
        Assert.Equal(expected, Keys(ours));
        Assert.Equal(flows.Count(f => f.Start >= from && f.End <= to), ours.Count);
    }

    [Fact]
    public void TimesAreUtcUnlessTheySayOtherwiseOnAMachineInAnotherZone()
    {
        // The machine zone is process-wide, so this runs real pwsh in a child process with TZ=Asia/Kolkata (+05:30).
        string dir = Dir("zone");
        WriteRotated(dir, RandomFlows(3000, 15, T0, TimeSpan.FromHours(1)), TimeSpan.FromMinutes(10));
        int expected = NfdumpKeys(["-R", dir], "-t", $"{NfdumpTime(T0.AddMinutes(17))}-{NfdumpTime(T0.AddMinutes(41))}").Count;
        string script = $$"""
            $d = '{{dir}}'
            [TimeZoneInfo]::Local.BaseUtcOffset.TotalMinutes
            @(Get-FlowRecord $d -Start '2024-01-01 12:17' -End '2024-01-01 12:41').Count
            @(Get-FlowRecord $d -Start ([datetime]'2024-01-01 12:17') -End ([datetime]'2024-01-01 12:41')).Count
            @(Get-FlowRecord $d -Start '2024-01-01T17:47:00+05:30' -End '2024-01-01T18:11:00+05:30').Count
            @(Get-FlowRecord $d -Start ([datetime]::new(2024, 1, 1, 17, 47, 0, [DateTimeKind]::Local)) -End ([datetime]::new(2024, 1, 1, 18, 11, 0, [DateTimeKind]::Local))).Count
            @(Get-FlowRecord $d -Start ([datetime]::new(2024, 1, 1, 12, 17, 0, [DateTimeKind]::Local)) -End ([datetime]::new(2024, 1, 1, 12, 41, 0, [DateTimeKind]::Local))).Count
            """;
        var run = RealPwsh.Run(TimeSpan.FromMinutes(2), new Dictionary<string, string> { ["TZ"] = "Asia/Kolkata" },
            "-Command", "Import-Module $env:FLOWFORENSICS_MODULE\n" + script);
        string[] lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(run.ExitCode == 0 && lines.Length == 6, run.ToString());
        Assert.Equal("330", lines[0]);
        Assert.Equal(Enumerable.Repeat(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), 4), lines[1..5]);
        // a Local 12:17-12:41 is 06:47-07:11 UTC: before the first flow, so it is converted, not taken as UTC
        Assert.Equal("0", lines[5]);
    }

    [Fact]
    public void StartAloneAndEndAloneAreOpenWindows()
    {
        string dir = Dir("open");
        WriteRotated(dir, RandomFlows(2000, 4, T0, TimeSpan.FromHours(1)), TimeSpan.FromMinutes(15));
        var at = T0.AddMinutes(30);
        using var s = PsSession.WithModule();
        var after = Run(s, "Get-FlowRecord $d -Start $t", ("d", dir), ("t", at));
        Assert.Equal(NfdumpKeys(["-R", dir], "-t", $"{NfdumpTime(at)}-{NfdumpTime(T0.AddDays(1))}"), Keys(after));
        var before = Run(s, "Get-FlowRecord $d -End $t", ("d", dir), ("t", at));
        Assert.Equal(NfdumpKeys(["-R", dir], "-t", $"{NfdumpTime(T0.AddDays(-1))}-{NfdumpTime(at)}"), Keys(before));
    }

    [Fact]
    public void FilesOutsideTheWindowAreSkippedAndVerboseSaysWhy()
    {
        string dir = Dir("skip");
        WriteRotated(dir, RandomFlows(600, 5, T0, TimeSpan.FromHours(3)), TimeSpan.FromHours(1));
        File.Copy(SharedData.Path("formats", "samples", "source-test.pcap"), Path.Combine(dir, "capture.pcap"));
        File.WriteAllBytes(Path.Combine(dir, "nfcapd.current.42"), [0x0C, 0xA5, 2, 0]);
        using var s = PsSession.WithModule();
        var ours = Run(s, "Get-FlowRecord -Path $d -Start '2024-01-01T13:30:00Z' -End '2024-01-01T13:50:00Z' -Verbose", ("d", dir));
        Assert.Empty(s.Errors);
        Assert.NotEmpty(ours);
        string[] verbose = [.. s.Verbose.Select(v => v.Message)];
        Assert.Contains(verbose, m => m.StartsWith("Skipped ", StringComparison.Ordinal) && m.Contains("nfcapd.202401011400", StringComparison.Ordinal) && m.Contains("outside the window", StringComparison.Ordinal));
        Assert.Contains(verbose, m => m.Contains("capture.pcap", StringComparison.Ordinal) && m.Contains("not an nfcapd file", StringComparison.Ordinal));
        Assert.Contains(verbose, m => m.Contains("nfcapd.current.42", StringComparison.Ordinal) && m.Contains("temporary", StringComparison.Ordinal));
        Assert.Contains(verbose, m => m == "Reading " + Path.Combine(dir, "nfcapd.202401011300"));
        Assert.DoesNotContain(verbose, m => m == "Reading " + Path.Combine(dir, "nfcapd.202401011200"));
    }

    [Fact]
    public void AWritersTemporaryFileInAFolderIsSkippedAndVerboseNamesItsTarget()
    {
        string dir = Dir("temporary");
        WriteRotated(dir, RandomFlows(300, 6, T0, TimeSpan.FromMinutes(50)), TimeSpan.FromHours(1));
        string temp = Path.Combine(dir, FlowForensics.Files.AtomicFile.TemporaryNameFor("nfcapd.202401011300"));
        File.Copy(Path.Combine(dir, "nfcapd.202401011200"), temp);
        using var s = PsSession.WithModule();
        var flows = Run(s, "Get-FlowRecord -Path $d -Verbose", ("d", dir));
        Assert.Empty(s.Errors);
        Assert.Equal(300, flows.Count);
        Assert.Contains(s.Verbose.Select(v => v.Message),
            m => m == $"Skipped {temp}: a FlowForensics writer's temporary file (*.current.*), renamed to nfcapd.202401011300 when complete.");
    }

    public static TheoryData<string> Filters() => new()
    {
        "proto tcp", "proto udp", "proto icmp", "ipv6", "inet", "dst port 80", "src port > 1024", "port in [ 53 443 ]",
        "net 10.0.0.0/8", "host 10.0.0.2", "bytes > 100", "packets >= 2", "not proto tcp and not proto udp",
        "flags S and not flags A", "dst net 147.32.80.0/22", "src ip 147.32.82.62 or dst port 443", "(proto tcp or proto udp) and not port 53",
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public void FilterMatchesTheFlowsNfdumpMatches(string filter)
    {
        string[] files =
        [
            SharedData.Path("formats", "samples", "nfpcapd-ipv4v6-none.nfcapd"),
            SharedData.Path("formats", "samples", "nfcapd-softflowd-v9-none.nfcapd"),
            SharedData.Path("data", "nfcapd", "slips", "test1-malicious.nfdump"),
        ];
        using var s = PsSession.WithModule();
        int matched = 0;
        foreach (string file in files)
        {
            var ours = Run(s, "Get-FlowRecord -LiteralPath $f -Filter $filter", ("f", file), ("filter", filter));
            Assert.Empty(s.Errors);
            Assert.Equal(NfdumpKeys(["-r", file], filter), Keys(ours));
            matched += ours.Count;
        }
        Assert.True(matched > 0, $"'{filter}' matched nothing in any file: not a useful case");
    }

    [Fact]
    public void FilterAndWindowCombine()
    {
        string dir = Dir("both");
        WriteRotated(dir, RandomFlows(3000, 6, T0, TimeSpan.FromHours(1)), TimeSpan.FromMinutes(5));
        var from = T0.AddMinutes(12);
        var to = T0.AddMinutes(33);
        const string filter = "proto tcp and dst port 443";
        using var s = PsSession.WithModule();
        var ours = Run(s, "Get-FlowRecord $d $filter -Start $a -End $b", ("d", dir), ("filter", filter), ("a", from), ("b", to));
        var expected = NfdumpKeys(["-R", dir], "-t", $"{NfdumpTime(from)}-{NfdumpTime(to)}", filter);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, Keys(ours));
    }

    [Fact]
    public void OrderByStartIsOneStrictTimelineAcrossOverlappingFiles()
    {
        string dir = Dir("timeline");
        WriteRotated(dir, RandomFlows(12_000, 7, T0, TimeSpan.FromHours(1)), TimeSpan.FromMinutes(5));
        // a second collector over the same hour, in three overlapping files of its own
        var other = RandomFlows(6_000, 8, T0, TimeSpan.FromHours(1), srcBase: 0xAC100000u);
        for (int i = 0; i < 3; i++)
            Write(Path.Combine(dir, $"collector-b.{i}"), other.Where((_, j) => j % 3 == i), NfcapdCompression.None, "b");

        using var s = PsSession.WithModule();
        var ours = Run(s, "Get-FlowRecord -Path $d -OrderBy Start", ("d", dir));
        Assert.Empty(s.Errors);
        Assert.Empty(s.Warnings);
        Assert.Equal(18_000, ours.Count);
        for (int i = 1; i < ours.Count; i++)
            Assert.True(ours[i - 1].Start <= ours[i].Start, $"record {i} starts before record {i - 1}");

        // nfdump -O tstart over the same folder prints the same timeline (ties in any order)
        var nfdump = NfdumpKeys(["-R", dir], "-O", "tstart");
        Assert.Equal(nfdump.Select(k => k.Split('|')[0]), ours.Select(f => Key(f).Split('|')[0]));
        Assert.Equal(nfdump.Order(StringComparer.Ordinal), Keys(ours).Order(StringComparer.Ordinal));

        // the default order is by file, which is not a timeline here
        var byFile = Run(s, "Get-FlowRecord -Path $d", ("d", dir));
        Assert.Equal(18_000, byFile.Count);
        Assert.Contains(Enumerable.Range(1, byFile.Count - 1), i => byFile[i].Start < byFile[i - 1].Start);
    }

    [Fact]
    public void RecurseReadsSubFoldersOnlyWhenAsked()
    {
        string top = Dir("tree");
        string sub = Path.Combine(top, "router2", "2024");
        Directory.CreateDirectory(sub);
        Write(Path.Combine(top, "nfcapd.202401011200"), RandomFlows(40, 9, T0, TimeSpan.FromMinutes(5), srcBase: 0xAC100000u));
        File.Copy(SharedData.Path("formats", "samples", "nfpcapd-ipv4v6-lz4.nfcapd"), Path.Combine(sub, "nfcapd.202401011200"));
        using var s = PsSession.WithModule();
        var flat = Run(s, "Get-FlowRecord -Path $d", ("d", top));
        Assert.Equal(40, flat.Count);
        var deep = Run(s, "Get-FlowRecord -Path $d -Recurse", ("d", top));
        Assert.Equal(54, deep.Count);
        Assert.Equal(14, deep.Count(f => !f.SrcAddr!.ToString().StartsWith("172.16.", StringComparison.Ordinal)));
        Assert.Equal(54, Run(s, "Get-FlowRecord -LiteralPath $d -Recurse", ("d", top)).Count);
    }

    [Fact]
    public void BindsFileInfoDirectoryInfoAndStringsFromThePipeline()
    {
        string dir = Dir("pipe");
        string a = Write(Path.Combine(dir, "a[1].nfcapd"), RandomFlows(30, 10, T0, TimeSpan.FromMinutes(5)));
        string b = Write(Path.Combine(dir, "b.nfcapd"), RandomFlows(20, 11, T0.AddHours(1), TimeSpan.FromMinutes(5)));
        using var s = PsSession.WithModule();
        s.SetVariable("a", a);
        s.SetVariable("b", b);
        s.SetVariable("d", dir);
        Assert.Equal(50, Run(s, "[IO.FileInfo]::new($a), [IO.FileInfo]::new($b) | Get-FlowRecord").Count);
        Assert.Equal(50, Run(s, "[IO.DirectoryInfo]::new($d) | Get-FlowRecord").Count);
        Assert.Equal(20, Run(s, "$b | Get-FlowRecord").Count);
        Assert.Equal(30, Run(s, "Get-FlowRecord -LiteralPath $a").Count);
        Assert.Equal(20, Run(s, "Get-FlowRecord -Path ([IO.Path]::Combine($d, 'b.nf*'))").Count);
        Assert.Empty(s.Errors);
        // piped one at a time, the files are still read in time order (b's hour after a's)
        var piped = Run(s, "[IO.FileInfo]::new($b), [IO.FileInfo]::new($a) | Get-FlowRecord");
        Assert.True(piped.Take(30).All(f => f.Start < T0.AddHours(1)) && piped.Skip(30).All(f => f.Start >= T0.AddHours(1)));
    }

    [Fact]
    public void ACorruptBlockGivesTheEarlierFlowsThenAnErrorNamingFileBlockAndOffset()
    {
        string dir = Dir("corrupt");
        var flows = RandomFlows(25_000, 12, T0, TimeSpan.FromMinutes(30));
        string file = Write(Path.Combine(dir, "nfcapd.202401011200"), flows, NfcapdCompression.None);
        byte[] bytes = File.ReadAllBytes(file);
        // walk the block headers (12 bytes: records u32, size u32, type u16, flags u16) to the second block
        const int HeaderSize = 40;
        uint firstRecords = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(HeaderSize));
        uint firstSize = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(HeaderSize + 4));
        long second = HeaderSize + 12 + firstSize;
        Assert.True(firstRecords < flows.Count, "the file needs at least two blocks");
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)second + 4), 0x7FFF_FFFF);
        File.WriteAllBytes(file, bytes);
        string good = Write(Path.Combine(dir, "nfcapd.202401011300"), RandomFlows(100, 13, T0.AddHours(1), TimeSpan.FromMinutes(5)));

        using var s = PsSession.WithModule();
        var ours = Run(s, "Get-FlowRecord -Path $d", ("d", dir));
        Assert.Equal((int)firstRecords + 100, ours.Count);
        Assert.Equal(Keys(flows.Take((int)firstRecords)), Keys(ours.Take((int)firstRecords)));
        ErrorRecord e = Assert.Single(s.Errors);
        Assert.Equal($"FlowFileCorrupt,{FullId}", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, e.CategoryInfo.Category);
        Assert.Equal(file, e.TargetObject);
        string message = e.ToString();
        Assert.Contains(file, message, StringComparison.Ordinal);
        Assert.Contains("block 1", message, StringComparison.Ordinal);
        Assert.Contains($"at byte {second}", message, StringComparison.Ordinal);
        _ = good;
    }

    [Fact]
    public void CorruptRealFileMatchesNfdumpInGivingNoFlowsAndSaysSo()
    {
        string file = SharedData.Path("data", "nfcapd", "chrispassas", "nfcapd-corrupt");
        Assert.Empty(NfdumpKeys(["-r", file]));
        using var s = PsSession.WithModule();
        var ours = Run(s, "Get-FlowRecord -LiteralPath $f, $g", ("f", file), ("g", SharedData.Path("data", "nfcapd", "chrispassas", "nfcapd-small-lzo")));
        Assert.Equal(10, ours.Count);
        ErrorRecord e = Assert.Single(s.Errors);
        Assert.Equal($"FlowFileCorrupt,{FullId}", e.FullyQualifiedErrorId);
        Assert.Matches(@"block 0: .* at byte \d+", e.ToString());
    }

    [Fact]
    public void AFileThatIsNotNfcapdIsANonTerminatingErrorAndTheOthersAreRead()
    {
        string pcap = SharedData.Path("formats", "samples", "source-test.pcap");
        string text = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(text, "not a flow file");
        string good = SharedData.Path("formats", "samples", "nfpcapd-ipv4v6-none.nfcapd");
        using var s = PsSession.WithModule();
        var ours = Run(s, "Get-FlowRecord -LiteralPath $a, $b, $c", ("a", pcap), ("b", good), ("c", text));
        Assert.Equal(14, ours.Count);
        Assert.Equal(2, s.Errors.Count);
        Assert.All(s.Errors, e => Assert.Equal($"FlowFileUnsupported,{FullId}", e.FullyQualifiedErrorId));
        Assert.Equal(new[] { pcap, text }.Order(StringComparer.Ordinal), s.Errors.Select(e => (string)e.TargetObject).Order(StringComparer.Ordinal));
        Assert.Contains("magic 0xC3D4", s.Errors.Single(e => (string)e.TargetObject == pcap).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingPathIsPathNotFound()
    {
        using var s = PsSession.WithModule();
        var ours = Run(s, "Get-FlowRecord -Path $f", ("f", Path.Combine(_dir, "missing.nfcapd")));
        Assert.Empty(ours);
        Assert.Equal($"PathNotFound,{FullId}", Assert.Single(s.Errors).FullyQualifiedErrorId);
    }

    [Theory]
    [InlineData("proto tcp and port 99999", 20, 5)]
    [InlineData("proto tcp and (port 80", 15, 1)]
    [InlineData("src hots 10.0.0.1", 5, 4)]
    public void ASyntaxErrorIsTerminatingWithTheColumnAndACaret(string filter, int column, int carets)
    {
        using var s = PsSession.WithModule();
        s.SetVariable("f", SharedData.Path("formats", "samples", "nfpcapd-ipv4v6-none.nfcapd"));
        s.SetVariable("filter", filter);
        var ex = Assert.ThrowsAny<RuntimeException>(() => s.Invoke("& { $ErrorActionPreference = 'Stop'; Get-FlowRecord -Path $f -Filter $filter; 'went on' }"));
        ErrorRecord e = ex.ErrorRecord;
        Assert.Equal($"FilterSyntax,{FullId}", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ParserError, e.CategoryInfo.Category);
        Assert.Equal(filter, e.TargetObject);
        Assert.Contains($"column {column}", e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.ToString());   // ConciseView joins a message's lines: a caret line in it would stand under nothing
        // the caret is the record's position, which every error view draws: At -Filter:1 char:N, the filter, ~ under the fault
        string[] lines = e.InvocationInfo.PositionMessage.Split('\n');
        Assert.Equal($"At -Filter:1 char:{column}", lines[0].TrimEnd('\r'));
        Assert.Equal("+ " + filter, lines[1].TrimEnd('\r'));
        Assert.Equal("+ " + new string(' ', column - 1) + new string('~', carets), lines[2]);
        var parse = Assert.IsType<ParseException>(e.Exception);
        Assert.Equal(column, parse.Errors[0].Extent.StartColumnNumber);
        Assert.Equal(filter, parse.Errors[0].Extent.StartScriptPosition.Line);

        // without Stop it is still terminating for the statement: nothing is read
        var output = s.Invoke("Get-FlowRecord -Path $f -Filter $filter");
        Assert.Empty(output);
        Assert.Equal($"FilterSyntax,{FullId}", Assert.Single(s.Errors).FullyQualifiedErrorId);
    }

    [Fact]
    public void BadTimesAreTerminatingArgumentErrors()
    {
        using var s = PsSession.WithModule();
        s.SetVariable("f", SharedData.Path("formats", "samples", "nfpcapd-ipv4v6-none.nfcapd"));
        Assert.Empty(s.Invoke("Get-FlowRecord -Path $f -Start '2024-01-02' -End '2024-01-01'"));
        Assert.Equal($"TimeWindowInvalid,{FullId}", Assert.Single(s.Errors).FullyQualifiedErrorId);
        Assert.Empty(s.Invoke("Get-FlowRecord -Path $f -Start 'last tuesday'"));
        ErrorRecord e = Assert.Single(s.Errors);
        Assert.Equal($"ParameterArgumentTransformationError,{FullId}", e.FullyQualifiedErrorId);
        Assert.Contains("'last tuesday' is not a time", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void StoppingDownstreamEarlyClosesTheFiles()
    {
        string dir = Dir("early");
        var files = WriteRotated(dir, RandomFlows(40_000, 14, T0, TimeSpan.FromMinutes(20)), TimeSpan.FromMinutes(10), NfcapdCompression.None);
        using var s = PsSession.WithModule();
        s.Invoke($"Import-Module -Assembly ([{typeof(SelectFirstForTestCommand).FullName}].Assembly)");
        Assert.Empty(s.Errors);
        foreach (string order in new[] { "File", "Start" })
        {
            var five = Run(s, "Get-FlowRecord -Path $d -OrderBy $o | Select-FirstForTest 5", ("d", dir), ("o", order));
            Assert.Equal(5, five.Count);
            Assert.Empty(s.Errors);
            Assert.Equal(PSInvocationState.Completed, s.State);
            foreach (string f in files) Assert.Equal(0, OpenHandles(f));
        }
    }

    [Fact]
    public void StopEndsALongReadPromptlyAndClosesTheFile()
    {
        // A copy of its own: other tests read the shared file at the same time, and their handles would count.
        string big = Path.Combine(Dir("stop"), "nfcapd-large-bz2");
        File.Copy(SharedData.Path("data", "nfcapd", "chrispassas", "nfcapd-large-bz2"), big);
        using var s = PsSession.WithModule();
        s.SetVariable("f", big);
        RunningScript run = s.BeginInvoke("Get-FlowRecord -LiteralPath $f | ForEach-Object { [System.Threading.Thread]::Sleep(1); $_ }");
        Assert.True(run.WaitForOutput(10, TimeSpan.FromSeconds(60)), "no flows arrived");
        var watch = Stopwatch.StartNew();
        run.Stop();
        watch.Stop();
        Assert.Equal(PSInvocationState.Stopped, run.State);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"Stop took {watch.Elapsed}");
        Assert.InRange(run.Output.Count, 10, 99_999);
        Assert.Equal(0, OpenHandles(big));
        Assert.Equal(2, s.Invoke("1 + 1")[0].BaseObject);
    }

    [Fact]
    public void ReportsThrottledProgressAndCompletes()
    {
        string big = SharedData.Path("data", "nfcapd", "chrispassas", "nfcapd-large-bz2");
        using var s = PsSession.WithModule();
        s.SetVariable("f", big);
        var count = s.Invoke("$n = 0; Get-FlowRecord -LiteralPath $f | ForEach-Object { $n++ }; $n");
        Assert.Equal(100_000, (int)count[0].BaseObject);
        var progress = s.Progress;
        Assert.NotEmpty(progress);
        Assert.Equal(ProgressRecordType.Completed, progress[^1].RecordType);
        Assert.All(progress.Take(progress.Count - 1), p => Assert.InRange(p.PercentComplete, 0, 100));
        Assert.Contains("flows read", progress[0].StatusDescription, StringComparison.Ordinal);
        int[] percents = progress.Take(progress.Count - 1).Select(p => p.PercentComplete).ToArray();
        Assert.Equal(percents.Order().ToArray(), percents);
        Assert.True(progress.Count < 100_000 / 1024 + 2, $"{progress.Count} progress records for 100,000 flows");
    }
}
