using BenchmarkDotNet.Running;

namespace FlowForensics.Benchmarks;

/// <summary>
/// BenchmarkDotNet micro-benchmarks (<c>dotnet run -c Release -- --filter '*'</c>) and the side-by-side runs
/// against nfdump's tools (<c>dotnet run -c Release -- sidebyside pcap|topn|collector ...</c>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 1 && args[0] == "sidebyside" && args[1] == "topn")
            return SideBySide.TopNComparison.Run(SideBySide.TopNComparison.ParseOptions(args[2..]));
        if (args.Length > 3 && args[0] == "sidebyside" && args[1] == "topn-engine")
            return SideBySide.TopNComparison.EngineOnly(args[2], args[3]);
        if (args.Length > 1 && args[0] == "sidebyside" && args[1] == "collector")
            return SideBySide.CollectorLoad.Run(args[2..]);
        if (args.Length > 0 && args[0] == "sidebyside")
            return SideBySide.NfdumpComparison.Run(args[1..]);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
