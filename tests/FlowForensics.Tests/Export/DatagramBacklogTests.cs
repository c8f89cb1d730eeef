using FlowForensics.Export;
using FlowForensics.Flows;
using Xunit;

namespace FlowForensics.Tests.Export;

/// <summary>The collector's datagram ring, one thread playing producer and consumer so every interleaving is chosen.</summary>
public sealed class DatagramBacklogTests
{
    private static readonly FlowAddress Exporter = FlowAddress.FromIPv4([192, 0, 2, 1]);

    private static void Put(DatagramBacklog b, byte value, int length)
    {
        Assert.True(b.TryReserve(out var space), $"no room for datagram {value}");
        space[..length].Fill(value);
        b.Publish(length, Exporter, new DateTime(2026, 1, 1, 0, 0, value, DateTimeKind.Utc));
    }

    /// <summary>Takes the oldest datagram, checks its bytes are whole and all <paramref name="value"/>, releases it.</summary>
    private static void Take(DatagramBacklog b, byte value, int length)
    {
        long tail = b.Tail;
        Assert.True(b.Head > tail, $"datagram {value} is not there");
        var slot = b.Slot(tail);
        var bytes = b.Bytes(slot);
        Assert.Equal(length, bytes.Length);
        Assert.True(bytes.IndexOfAnyExcept(value) < 0, $"datagram {value} was overwritten");
        Assert.Equal(value, slot.Received.Second);
        b.Release(tail + 1);
    }

    [Fact]
    public void The_slot_bound_refuses_a_datagram_until_one_is_released()
    {
        var b = new DatagramBacklog(slots: 3, bytes: 1 << 20, maxDatagram: 100);
        Put(b, 1, 10);
        Put(b, 2, 10);
        Put(b, 3, 10);
        Assert.False(b.TryReserve(out _));
        Assert.Equal(3, b.Count);
        Take(b, 1, 10);
        Put(b, 4, 10);
        Take(b, 2, 10);
        Take(b, 3, 10);
        Take(b, 4, 10);
        Assert.Equal(0, b.Count);
    }

    [Fact]
    public void The_byte_bound_wraps_around_and_never_overwrites_a_waiting_datagram()
    {
        // 300 bytes, datagrams of up to 100: room is given only where a whole 100 fits.
        var b = new DatagramBacklog(slots: 64, bytes: 300, maxDatagram: 100);
        Put(b, 1, 80);  // [0,80)
        Put(b, 2, 80);  // [80,160)
        Put(b, 3, 70);  // [160,230)
        Assert.False(b.TryReserve(out _)); // 70 left at the end, nothing before the oldest
        Take(b, 1, 80);
        Assert.False(b.TryReserve(out _)); // 80 before the oldest (datagram 2) is not enough
        Take(b, 2, 80);
        Put(b, 4, 59);  // wraps: [0,59) while 3 waits at [160,230)
        Put(b, 5, 99);  // [59,158): 101 bytes were free before datagram 3 (room must be more than the maximum)
        Assert.False(b.TryReserve(out _));
        Take(b, 3, 70);
        Put(b, 6, 90);  // [158,248)
        Assert.False(b.TryReserve(out _)); // 52 at the end, and datagram 4 holds [0,59)
        Take(b, 4, 59);
        Assert.False(b.TryReserve(out _)); // 59 before datagram 5
        Take(b, 5, 99);
        Put(b, 7, 100); // wraps again: [0,100) while 6 waits at [158,248)
        Take(b, 6, 90);
        Take(b, 7, 100);
        Assert.Equal(0, b.Count);
        Put(b, 8, 100); // empty: starts over at 0
        Put(b, 9, 100);
        Take(b, 8, 100);
        Take(b, 9, 100);
    }

    [Fact]
    public void A_producer_and_a_consumer_on_two_threads_pass_every_datagram_intact_and_in_order()
    {
        var b = new DatagramBacklog(slots: 16, bytes: 4096, maxDatagram: 1000);
        const int n = 200_000;
        Exception? failure = null;
        var consumer = new Thread(() =>
        {
            try
            {
                for (int i = 0; i < n; i++)
                {
                    while (b.Head == b.Tail) Thread.SpinWait(10);
                    long tail = b.Tail;
                    var slot = b.Slot(tail);
                    var bytes = b.Bytes(slot);
                    if (bytes.Length != 1 + i % 997 || bytes.IndexOfAnyExcept((byte)i) >= 0) throw new InvalidOperationException($"datagram {i} damaged");
                    b.Release(tail + 1);
                }
            }
            catch (Exception e)
            {
                Volatile.Write(ref failure, e);
            }
        });
        consumer.Start();
        for (int i = 0; i < n && Volatile.Read(ref failure) is null; i++)
        {
            Span<byte> space;
            while (!b.TryReserve(out space) && Volatile.Read(ref failure) is null) Thread.SpinWait(10);
            if (failure is not null) break;
            int length = 1 + i % 997;
            space[..length].Fill((byte)i);
            b.Publish(length, Exporter, DateTime.UnixEpoch);
        }
        Assert.True(consumer.Join(TimeSpan.FromSeconds(60)), "the consumer did not finish");
        Assert.Null(failure);
        Assert.Equal(n, b.Tail);
    }
}
