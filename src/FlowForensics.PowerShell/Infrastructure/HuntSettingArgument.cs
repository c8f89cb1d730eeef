using System.Collections;
using System.Globalization;
using System.Management.Automation;
using FlowForensics.Analysis.Hunting;
using FlowForensics.Reporting;

namespace FlowForensics.PowerShell.Infrastructure;

/// <summary>
/// Export-FlowReport's <c>-HuntSetting</c>: a hashtable of the settings every hunt shares (<c>InternalNetwork</c>,
/// <c>Exclude</c>, <c>MinimumScore</c>) and one nested hashtable per hunt (<c>Beacon</c>, <c>Exfiltration</c>,
/// <c>Scan</c>, <c>LateralMovement</c>) whose keys are that Find-* cmdlet's parameter names. An unknown key or a value
/// of the wrong kind is a terminating error that names it.
/// </summary>
internal static class HuntSettingArgument
{
    /// <summary>The keys, as help lists them.</summary>
    internal static readonly string[] CommonKeys = ["InternalNetwork", "Exclude", "MinimumScore", "Beacon", "Exfiltration", "Scan", "LateralMovement"];

    public static HuntSettings Parse(PSCmdlet cmdlet, IDictionary? table)
    {
        var settings = new HuntSettings();
        if (table is null) return settings;
        foreach (DictionaryEntry entry in table)
        {
            string key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "";
            object? value = entry.Value is PSObject p ? p.BaseObject : entry.Value;
            try
            {
                settings = key.ToUpperInvariant() switch
                {
                    "INTERNALNETWORK" => settings with { InternalNetwork = AddressSet.Parse(Strings(value)) },
                    "EXCLUDE" => settings with { Exclusion = FlowExclusion.Parse(Strings(value)) },
                    "MINIMUMSCORE" or "MINSCORE" => settings with { MinimumScore = Score(value) },
                    "BEACON" => settings with { Beacon = Beacon(settings.Beacon, Table(key, value)) },
                    "EXFILTRATION" => settings with { Exfiltration = Exfiltration(settings.Exfiltration, Table(key, value)) },
                    "SCAN" => settings with { Scan = Scan(settings.Scan, Table(key, value)) },
                    "LATERALMOVEMENT" => settings with { LateralMovement = Lateral(settings.LateralMovement, Table(key, value)) },
                    _ => throw new ArgumentException($"'{key}' is not a hunt setting; use {string.Join(", ", CommonKeys)}."),
                };
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or PSInvalidCastException)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-HuntSetting {key}: {e.Message}", "HuntSetting", e),
                    ErrorIds.HuntOptionInvalid, ErrorCategory.InvalidArgument, key));
            }
        }
        // every hunt's own check, now, before any evidence is read
        try
        {
            settings.CreateHunts();
        }
        catch (ArgumentException e)
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-HuntSetting: {e.Message}", "HuntSetting", e),
                ErrorIds.HuntOptionInvalid, ErrorCategory.InvalidArgument, e.ParamName));
        }
        return settings;
    }

    private static Analysis.Beacons.BeaconOptions Beacon(Analysis.Beacons.BeaconOptions o, IDictionary t)
    {
        foreach (DictionaryEntry e in t)
        {
            string k = Name(e);
            o = k.ToUpperInvariant() switch
            {
                "MINIMUMCONNECTIONS" => o with { MinimumConnections = To<int>(e.Value) },
                "BYHOSTPAIR" => o with { ByHostPair = To<bool>(e.Value) },
                "INTERNALNETWORK" => o with { InternalNetwork = AddressSet.Parse(Strings(e.Value)) },
                "MINIMUMSCORE" => o with { MinimumScore = Score(e.Value) },
                _ => throw Unknown("Beacon", k, "MinimumConnections, ByHostPair, InternalNetwork, MinimumScore"),
            };
        }
        return o;
    }

    private static Analysis.Exfiltration.ExfiltrationOptions Exfiltration(Analysis.Exfiltration.ExfiltrationOptions o, IDictionary t)
    {
        foreach (DictionaryEntry e in t)
        {
            string k = Name(e);
            o = k.ToUpperInvariant() switch
            {
                "LARGEFLOWBYTES" => o with { LargeFlowBytes = To<long>(e.Value) },
                "HOSTBYTES" => o with { HostBytes = To<long>(e.Value) },
                "UNUSUALPORTBYTES" => o with { UnusualPortBytes = To<long>(e.Value) },
                "ALLOWEDPORT" => o with { AllowedPorts = new HashSet<ushort>(To<ushort[]>(e.Value)) },
                "INTERNALNETWORK" => o with { InternalNetwork = AddressSet.Parse(Strings(e.Value)) },
                "MINIMUMSCORE" => o with { MinimumScore = Score(e.Value) },
                _ => throw Unknown("Exfiltration", k, "LargeFlowBytes, HostBytes, UnusualPortBytes, AllowedPort, InternalNetwork, MinimumScore"),
            };
        }
        return o;
    }

    private static Analysis.Scan.ScanDetectorOptions Scan(Analysis.Scan.ScanDetectorOptions o, IDictionary t)
    {
        foreach (DictionaryEntry e in t)
        {
            string k = Name(e);
            o = k.ToUpperInvariant() switch
            {
                "HOSTTHRESHOLD" => o with { HostThreshold = To<int>(e.Value) },
                "PORTTHRESHOLD" => o with { PortThreshold = To<int>(e.Value) },
                "SWEEPTHRESHOLD" => o with { SweepThreshold = To<int>(e.Value) },
                "WINDOW" => o with { Window = Duration(e.Value) },
                "SEQUENTIALMINTARGETS" => o with { SequentialMinTargets = To<int>(e.Value) },
                "STEALTHTHRESHOLD" => o with { StealthThreshold = To<int>(e.Value) },
                "MINIMUMSCORE" => o with { MinimumScore = Score(e.Value) },
                _ => throw Unknown("Scan", k, "HostThreshold, PortThreshold, SweepThreshold, Window, SequentialMinTargets, StealthThreshold, MinimumScore"),
            };
        }
        return o;
    }

    private static Analysis.LateralMovement.LateralMovementOptions Lateral(Analysis.LateralMovement.LateralMovementOptions o, IDictionary t)
    {
        foreach (DictionaryEntry e in t)
        {
            string k = Name(e);
            o = k.ToUpperInvariant() switch
            {
                "PORT" => o with { Ports = To<ushort[]>(e.Value).Distinct().ToArray() },
                "LEARNUNTIL" => o with { LearnUntil = Time(e.Value) },
                "CHAINWINDOW" => o with { ChainWindow = Duration(e.Value) },
                "FANOUTTHRESHOLD" => o with { FanOutThreshold = To<int>(e.Value) },
                "FANOUTWINDOW" => o with { FanOutWindow = Duration(e.Value) },
                "SERVERTHRESHOLD" => o with { ServerThreshold = To<int>(e.Value) },
                "BRUTEFORCETHRESHOLD" => o with { BruteForceThreshold = To<int>(e.Value) },
                "BRUTEFORCEWINDOW" => o with { BruteForceWindow = Duration(e.Value) },
                "INTERNALNETWORK" => o with { InternalNetwork = AddressSet.Parse(Strings(e.Value)) },
                "MINIMUMSCORE" => o with { MinimumScore = Score(e.Value) },
                _ => throw Unknown("LateralMovement", k,
                    "Port, LearnUntil, ChainWindow, FanOutThreshold, FanOutWindow, ServerThreshold, BruteForceThreshold, BruteForceWindow, InternalNetwork, MinimumScore"),
            };
        }
        return o;
    }

    private static string Name(DictionaryEntry e) => Convert.ToString(e.Key, CultureInfo.InvariantCulture) ?? "";

    private static ArgumentException Unknown(string hunt, string key, string known) =>
        new($"'{key}' is not a {hunt} setting; use {known}.");

    private static IDictionary Table(string key, object? value) =>
        value as IDictionary ?? throw new ArgumentException($"{key} takes a hashtable of that hunt's parameters, e.g. @{{ {key} = @{{ ... }} }}.");

    private static T To<T>(object? value) => LanguagePrimitives.ConvertTo<T>(value is PSObject p ? p.BaseObject : value);

    private static string[] Strings(object? value) => To<string[]>(value);

    private static double Score(object? value)
    {
        double d = To<double>(value);
        if (d is < 0 or > 1 || double.IsNaN(d)) throw new ArgumentException($"MinimumScore is 0 to 1, not {d.ToString(CultureInfo.InvariantCulture)}.");
        return d;
    }

    private static TimeSpan Duration(object? value)
    {
        object? v = value is PSObject p ? p.BaseObject : value;
        return v switch
        {
            TimeSpan t => t,
            string s when FlowDurationTransformationAttribute.TryParse(s, out var t) => t,
            int or long or double => TimeSpan.FromSeconds(Convert.ToDouble(v, CultureInfo.InvariantCulture)),
            _ => throw new ArgumentException($"'{v}' is not a duration (30s, 5m, 1h, a number of seconds or a TimeSpan)."),
        };
    }

    private static DateTime Time(object? value)
    {
        object? v = value is PSObject p ? p.BaseObject : value;
        return v switch
        {
            DateTime d => TimeWindowArgument.ToUtc(d),
            string s when TimeWindowArgument.TryParse(s, out var d) => d,
            _ => throw new ArgumentException($"'{v}' is not a time (ISO 8601, e.g. 2026-01-15T09:05)."),
        };
    }
}
