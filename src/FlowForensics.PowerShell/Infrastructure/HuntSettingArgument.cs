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

    // Each hunt's keys (its Find-* cmdlet's parameter names) and how each sets its options; the error for an unknown key
    // lists these names, in this order.
    private static readonly (string Key, Func<Analysis.Beacons.BeaconOptions, object?, Analysis.Beacons.BeaconOptions> Set)[] BeaconKeys =
    [
        ("MinimumConnections", static (o, v) => o with { MinimumConnections = To<int>(v) }),
        ("ByHostPair", static (o, v) => o with { ByHostPair = To<bool>(v) }),
        ("InternalNetwork", static (o, v) => o with { InternalNetwork = AddressSet.Parse(Strings(v)) }),
        ("MinimumScore", static (o, v) => o with { MinimumScore = Score(v) }),
    ];

    private static readonly (string Key, Func<Analysis.Exfiltration.ExfiltrationOptions, object?, Analysis.Exfiltration.ExfiltrationOptions> Set)[] ExfiltrationKeys =
    [
        ("LargeFlowBytes", static (o, v) => o with { LargeFlowBytes = To<long>(v) }),
        ("HostBytes", static (o, v) => o with { HostBytes = To<long>(v) }),
        ("UnusualPortBytes", static (o, v) => o with { UnusualPortBytes = To<long>(v) }),
        ("AllowedPort", static (o, v) => o with { AllowedPorts = new HashSet<ushort>(To<ushort[]>(v)) }),
        ("InternalNetwork", static (o, v) => o with { InternalNetwork = AddressSet.Parse(Strings(v)) }),
        ("MinimumScore", static (o, v) => o with { MinimumScore = Score(v) }),
    ];

    private static readonly (string Key, Func<Analysis.Scan.ScanDetectorOptions, object?, Analysis.Scan.ScanDetectorOptions> Set)[] ScanKeys =
    [
        ("HostThreshold", static (o, v) => o with { HostThreshold = To<int>(v) }),
        ("PortThreshold", static (o, v) => o with { PortThreshold = To<int>(v) }),
        ("SweepThreshold", static (o, v) => o with { SweepThreshold = To<int>(v) }),
        ("Window", static (o, v) => o with { Window = Duration(v) }),
        ("SequentialMinTargets", static (o, v) => o with { SequentialMinTargets = To<int>(v) }),
        ("StealthThreshold", static (o, v) => o with { StealthThreshold = To<int>(v) }),
        ("MinimumScore", static (o, v) => o with { MinimumScore = Score(v) }),
    ];

    private static readonly (string Key, Func<Analysis.LateralMovement.LateralMovementOptions, object?, Analysis.LateralMovement.LateralMovementOptions> Set)[] LateralKeys =
    [
        ("Port", static (o, v) => o with { Ports = To<ushort[]>(v).Distinct().ToArray() }),
        ("LearnUntil", static (o, v) => o with { LearnUntil = Time(v) }),
        ("ChainWindow", static (o, v) => o with { ChainWindow = Duration(v) }),
        ("FanOutThreshold", static (o, v) => o with { FanOutThreshold = To<int>(v) }),
        ("FanOutWindow", static (o, v) => o with { FanOutWindow = Duration(v) }),
        ("ServerThreshold", static (o, v) => o with { ServerThreshold = To<int>(v) }),
        ("BruteForceThreshold", static (o, v) => o with { BruteForceThreshold = To<int>(v) }),
        ("BruteForceWindow", static (o, v) => o with { BruteForceWindow = Duration(v) }),
        ("InternalNetwork", static (o, v) => o with { InternalNetwork = AddressSet.Parse(Strings(v)) }),
        ("MinimumScore", static (o, v) => o with { MinimumScore = Score(v) }),
    ];

    private static Analysis.Beacons.BeaconOptions Beacon(Analysis.Beacons.BeaconOptions o, IDictionary t) => Apply("Beacon", o, t, BeaconKeys);

    private static Analysis.Exfiltration.ExfiltrationOptions Exfiltration(Analysis.Exfiltration.ExfiltrationOptions o, IDictionary t) =>
        Apply("Exfiltration", o, t, ExfiltrationKeys);

    private static Analysis.Scan.ScanDetectorOptions Scan(Analysis.Scan.ScanDetectorOptions o, IDictionary t) => Apply("Scan", o, t, ScanKeys);

    private static Analysis.LateralMovement.LateralMovementOptions Lateral(Analysis.LateralMovement.LateralMovementOptions o, IDictionary t) =>
        Apply("LateralMovement", o, t, LateralKeys);

    /// <summary>Each entry of <paramref name="t"/> through the setter its key names (any case); an unknown key names the known ones.</summary>
    private static T Apply<T>(string hunt, T options, IDictionary t, (string Key, Func<T, object?, T> Set)[] keys)
    {
        foreach (DictionaryEntry e in t)
        {
            string k = Name(e);
            int i = Array.FindIndex(keys, key => string.Equals(key.Key, k, StringComparison.OrdinalIgnoreCase));
            if (i < 0) throw Unknown(hunt, k, string.Join(", ", keys.Select(static key => key.Key)));
            options = keys[i].Set(options, e.Value);
        }
        return options;
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
