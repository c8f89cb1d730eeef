using System.Diagnostics;
using System.Globalization;
using FlowForensics.Synthesis;

// dotnet run --project tools/FlowForensics.SampleGen -- --preset demo --out module/Samples/demo.pcap [--truth FILE] [--seed 1]
// dotnet run --project tools/FlowForensics.SampleGen -- --packets 1000000 [--duration 3600] --out big.pcap [--truth FILE]
string? preset = null, output = null, truthPath = null;
ulong seed = 1;
long packets = 0;
double? duration = null;
int? snapLength = null;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--preset": preset = Next(); break;
        case "--out": output = Next(); break;
        case "--truth": truthPath = Next(); break;
        case "--seed": seed = ulong.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--packets": packets = long.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--duration": duration = double.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--snaplen": snapLength = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "-h" or "--help":
            Console.WriteLine("FlowForensics.SampleGen --preset demo|hunt --out FILE.pcap [--truth FILE.json] [--seed N] [--packets N] [--duration SECONDS] [--snaplen N]");
            return 0;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Use --help.");
            return 2;
    }
}
if (output is null || (preset is null && packets <= 0))
{
    Console.Error.WriteLine("Give --out and either --preset demo|hunt or --packets N.");
    return 2;
}

ScenarioOptions options = preset switch
{
    "demo" => ScenarioPresets.Demo(seed),
    "hunt" or null => ScenarioPresets.HuntBenchmark(packets > 0 ? packets : 1_000_000, seed,
                                                    duration is { } d ? TimeSpan.FromSeconds(d) : null),
    _ => throw new ArgumentException($"Unknown preset '{preset}' (demo, hunt)."),
};
int snap = snapLength ?? (preset == "demo" ? ScenarioPresets.DemoSnapLength : PcapFrameSink.FullSnapLength);

string full = Path.GetFullPath(output);
Directory.CreateDirectory(Path.GetDirectoryName(full)!);
string temp = full + ".tmp";
var clock = Stopwatch.StartNew();
ScenarioTruth truth;
using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
{
    truth = new ScenarioGenerator(options).WritePcap(stream, snap);
}
File.Move(temp, full, overwrite: true);
clock.Stop();
if (truthPath is not null)
{
    string truthFull = Path.GetFullPath(truthPath);
    using (var stream = File.Create(truthFull + ".tmp"))
        truth.WriteJson(stream);
    File.Move(truthFull + ".tmp", truthFull, overwrite: true);
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{full}: {truth.Packets} packets, {new FileInfo(full).Length} bytes, {truth.Behaviours.Count} behaviours, {clock.Elapsed.TotalSeconds:F2} s ({truth.Packets / clock.Elapsed.TotalSeconds:F0} packets/s)"));
return 0;
