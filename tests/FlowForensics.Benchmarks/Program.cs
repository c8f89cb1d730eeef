using BenchmarkDotNet.Running;

namespace FlowForensics.Benchmarks;

/// <summary>
/// BenchmarkDotNet micro-benchmarks (<c>dotnet run -c Release -- --filter '*'</c>) and the side-by-side runs
/// against nfdump's tools (<c>dotnet run -c Release -- sidebyside pcap|read|filter|topn|startup|collector|hunts ...</c>), the baseline hunt's engine over
/// nfcapd files (<c>sidebyside baseline DIR [SCALE]</c>), and the scan and lateral-movement hunts over many flows
/// (<c>hunts generate|scan|lateral DIR</c>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 1 && args[0] == "sidebyside" && args[1] == "topn")
            return SideBySide.TopNComparison.Run(SideBySide.TopNComparison.ParseOptions(args[2..]));
        if (args.Length > 3 && args[0] == "sidebyside" && args[1] == "topn-engine")
            return SideBySide.TopNComparison.EngineOnly(args[2], args[3]);
        if (args.Length > 1 && args[0] == "sidebyside" && args[1] == "collector-cpu")
            return SideBySide.CollectorLoad.CpuMain(args[2..]);
        if (args.Length > 5 && args[0] == "sidebyside" && args[1] == "collector-send")
            return SideBySide.CollectorLoad.SendMain(args[2..]);
        if (args.Length > 1 && args[0] == "sidebyside" && args[1] == "collector")
            return SideBySide.CollectorLoad.Run(args[2..]);
        if (args.Length > 2 && args[0] == "sidebyside" && args[1] == "baseline")
            return SideBySide.BaselineBenchmark.Run(args[2], args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 16);
        if (args.Length > 0 && args[0] == "hunts")
            return Analysis.ScanLateralRun.Run(args[1..]);
        if (args.Length > 1 && args[0] == "sidebyside" && args[1] == "hunts")
            return SideBySide.HuntComparison.Run(SideBySide.TopNComparison.ParseOptions(args[2..]));
        if (args.Length > 3 && args[0] == "sidebyside" && args[1] == "hunt-engine")
            return SideBySide.HuntComparison.Engine(args[2], args[3]);
        if (args.Length > 0 && args[0] == "sidebyside")
            return SideBySide.NfdumpComparison.Run(args[1..]);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
