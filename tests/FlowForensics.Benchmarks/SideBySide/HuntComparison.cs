using System.Diagnostics;
using System.Globalization;
using FlowForensics.Analysis.Beacons;
using FlowForensics.Analysis.Exfiltration;
using FlowForensics.Query;
using FlowForensics.Storage;
using FlowForensics.Storage.Nfcapd;

namespace FlowForensics.Benchmarks.SideBySide;

/// <summary>
/// The hunts over a large nfcapd file set: Find-FlowBeacon's and Find-FlowExfiltration's engines each read the
/// files in their own process (files streamed by <see cref="FlowFileStream"/>, as the cmdlets' -Path does), timed by
/// GNU time for wall seconds and peak resident memory. nfdump has no equivalent, so there is no baseline column.
/// <code>
/// dotnet run -c Release --project tests/FlowForensics.Benchmarks -- sidebyside hunts [--flows 10000000]
/// </code>
/// The file set is <see cref="ReadComparison"/>'s seeded one (LZ4, 5-minute files over one hour), written once.
/// </summary>
internal static class HuntComparison
{
    public static int Run(Dictionary<string, string> options)
    {
        long flows = long.Parse(options.GetValueOrDefault("flows", "10000000"), CultureInfo.InvariantCulture);
        string dir = ReadComparison.EnsureFileSet(flows, NfcapdCompression.Lz4);
        string self = typeof(HuntComparison).Assembly.Location;
        Console.WriteLine($"file set: {dir}, {flows:N0} flows; one run each (a shared, busy 2-core machine: figures are indicative)");
        Console.WriteLine("| hunt | flows | wall s | flows/s | peak RSS MiB | result |");
        Console.WriteLine("|---|---:|---:|---:|---:|---|");
        foreach (string hunt in new[] { "beacon", "exfiltration" })
        {
            var run = ProcessRun.Measure(hunt, "dotnet", [self, "sidebyside", "hunt-engine", dir, hunt]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {hunt} | {flows:N0} | {run.WallSeconds:F1} | {flows / Math.Max(0.01, run.WallSeconds):N0} | {run.PeakRssKiB / 1024.0:F0} | {run.Stdout.Trim()} |"));
        }
        return 0;
    }

    /// <summary>One hunt over the files, in this process; prints what it found and the bounds it hit.</summary>
    public static int Engine(string dir, string hunt)
    {
        var set = new FlowFileSet([dir]);
        var clock = Stopwatch.StartNew();
        if (hunt == "beacon")
        {
            var detector = new BeaconDetector();
            long n = FlowFileStream.ForEach(set.Files, FlowSelection.All, detector.Add);
            var findings = detector.GetFindings();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{n:N0} read, {detector.GroupCount:N0} groups, {detector.GroupsDropped:N0} connections past the group bound, {detector.PairingReleasedEarly:N0} released early by the pairing bound, {findings.Count} findings, {clock.Elapsed.TotalSeconds:F1} s in-process"));
        }
        else
        {
            var detector = new ExfiltrationDetector();
            long n = FlowFileStream.ForEach(set.Files, FlowSelection.All, detector.Add);
            var findings = detector.GetFindings();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{n:N0} read, {detector.HostCount:N0} inside hosts, {detector.HostsDropped:N0} flows past the host bound, {findings.Count} findings, {clock.Elapsed.TotalSeconds:F1} s in-process"));
        }
        return 0;
    }
}
